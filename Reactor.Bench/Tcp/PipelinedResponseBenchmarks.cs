using System;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Reactor.Interop;

namespace Reactor.Bench.Tcp;

/// <summary>
/// One loop iteration that reads <see cref="Pipeline"/> pipelined 8-byte requests and answers
/// each with 8 bytes: with <see cref="Connection.Send"/> per response (one syscall each) against
/// <see cref="Connection.Write"/> (copied into pool memory, one sendmsg(2) in the deferred pass).
/// The loop runs on the benchmark thread (<c>RunOnce</c> with a zero timeout) over an AF_UNIX
/// pair whose peer writes the requests and drains the responses. Steady state allocates 0 B.
/// </summary>
[MemoryDiagnoser]
public unsafe class PipelinedResponseBenchmarks
{
    private const int RequestSize = 8;

    private EventLoop _loop = null!;
    private int _sendEachPeer = -1, _batchedPeer = -1;
    private byte* _requests;
    private byte* _drain;

    [Params(1, 16)]
    public int Pipeline;

    /// <summary>Answers every complete request with 8 bytes, by Send or by Write.</summary>
    private sealed class Responder(bool batched) : IConnectionHandler
    {
        private static readonly byte[] Response = "OK 0000\n"u8.ToArray();

        public void OnOpen(Connection connection) { }

        public int OnData(Connection connection, Span<byte> data)
        {
            int consumed = 0;
            for (; data.Length - consumed >= RequestSize; consumed += RequestSize)
            {
                if (batched) connection.Write(Response);
                else connection.Send(Response);
            }
            return consumed;
        }

        public void OnClose(Connection connection, CloseReason reason) { }
    }

    [GlobalSetup]
    public void Setup()
    {
        _loop = new EventLoop(0, new ReactorOptions());
        _sendEachPeer = ConnectionPair.Open(_loop, new Responder(batched: false)).PeerFd;
        _batchedPeer = ConnectionPair.Open(_loop, new Responder(batched: true)).PeerFd;
        _requests = (byte*)NativeMemory.AllocZeroed(RequestSize * 16);
        _drain = (byte*)NativeMemory.Alloc(64 * 1024);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Sys.Close(_sendEachPeer);
        Sys.Close(_batchedPeer);
        for (int i = 0; i < 100 && _loop.RegistrationCount > 0; i++) _loop.RunOnce(0);
        NativeMemory.Free(_requests);
        NativeMemory.Free(_drain);
        Console.WriteLine($"// send calls per response: {(double)_loop.Stats.SendCalls / (_loop.Stats.BytesSent / 8):F3}");
        _loop.Dispose();
    }

    [Benchmark(Baseline = true)]
    public long SendEach() => RoundTrip(_sendEachPeer);

    [Benchmark]
    public long WriteBatched() => RoundTrip(_batchedPeer);

    private long RoundTrip(int peer) => ConnectionPair.RoundTrip(_loop, peer, _requests, Pipeline * RequestSize, Pipeline * RequestSize, _drain);
}
