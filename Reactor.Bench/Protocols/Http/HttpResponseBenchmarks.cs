using System;
using System.Runtime.InteropServices;
using System.Text;
using BenchmarkDotNet.Attributes;
using Reactor.Bench.Tcp;
using Reactor.Interop;
using Reactor.Protocols.Http;
using static Reactor.Interop.Libc;

namespace Reactor.Bench.Protocols.Http;

/// <summary>
/// A whole HTTP exchange on one loop iteration: <see cref="Pipeline"/> pipelined wrk-style
/// <c>GET /plaintext</c> requests read, parsed, handed to <see cref="BuiltInRoutes"/>, and the
/// responses formatted into pool memory by the response writer (<c>Respond</c>) and sent in one
/// sendmsg(2). The loop runs on the benchmark thread over an AF_UNIX pair (<see cref="ConnectionPair"/>)
/// whose peer writes the requests and drains the responses. Steady state allocates 0 B.
/// </summary>
[MemoryDiagnoser]
public unsafe class HttpResponseBenchmarks
{
    private EventLoop _loop = null!;
    private int _peer = -1;
    private byte* _requests;
    private int _requestBytes;
    private byte* _drain;
    private int _responseBytes;

    [Params(1, 16)]
    public int Pipeline;

    [GlobalSetup]
    public void Setup()
    {
        _loop = new EventLoop(0, new ReactorOptions());
        var routes = new BuiltInRoutes();
        var options = new HttpOptions();
        _peer = ConnectionPair.Open(_loop, connection => new HttpConnection(connection, routes, options)).PeerFd;
        byte[] one = Encoding.ASCII.GetBytes("GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n");
        _requestBytes = one.Length * Pipeline;
        _requests = (byte*)NativeMemory.Alloc((nuint)_requestBytes);
        for (int i = 0; i < Pipeline; i++) one.CopyTo(new Span<byte>(_requests + i * one.Length, one.Length));
        _drain = (byte*)NativeMemory.Alloc(256 * 1024);
        // Every response has the same length (the Date field is fixed-width): measure it once.
        _responseBytes = (int)RoundTrip(0) / Pipeline * Pipeline;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Sys.Close(_peer);
        for (int i = 0; i < 100 && _loop.RegistrationCount > 0; i++) _loop.RunOnce(0);
        NativeMemory.Free(_requests);
        NativeMemory.Free(_drain);
        _loop.Dispose();
    }

    [Benchmark]
    public long Plaintext() => RoundTrip(_responseBytes);

    /// <summary>Writes the requests, runs one loop iteration, drains <paramref name="want"/> response bytes (when 0: whatever came).</summary>
    private long RoundTrip(int want)
    {
        if (Sys.Check(send(_peer, _requests, _requestBytes, Linux.MSG_DONTWAIT)) != _requestBytes) throw new InvalidOperationException("the peer could not write its requests");
        _loop.RunOnce(0);
        long got = 0;
        do
        {
            nint n = Sys.Check(recv(_peer, _drain, 256 * 1024, Linux.MSG_DONTWAIT));
            if (n <= 0) throw new InvalidOperationException($"responses missing: {got} of {want} bytes");
            got += n;
        }
        while (got < want);
        return got;
    }
}
