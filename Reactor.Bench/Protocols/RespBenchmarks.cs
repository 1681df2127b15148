using System;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using BenchmarkDotNet.Attributes;
using Reactor.Bench.Tcp;
using Reactor.Interop;
using Reactor.Protocols.Kv;

namespace Reactor.Bench.Protocols;

/// <summary>
/// <c>reactor kv</c>'s hot path: one loop iteration that reads <see cref="Pipeline"/> pipelined
/// commands, parses them in place, runs them against the keyspace (shard lock, span-keyed lookup)
/// and batches the replies into one sendmsg. GET and SET of an existing key (a 16-byte key, a
/// 64-byte value, as redis-benchmark -d 64 sends) against PING, which touches no key. The loop runs
/// on the benchmark thread over an AF_UNIX pair whose peer writes the commands and drains the
/// replies. Steady state allocates 0 B: SET overwrites the old value in place.
/// </summary>
[MemoryDiagnoser]
public unsafe class RespBenchmarks
{
    private const string Key = "key:000000000000";

    private EventLoop _loop = null!;
    private int _peer = -1;
    private byte* _drain;
    private byte[] _ping = null!, _get = null!, _set = null!;

    [Params(1, 16)]
    public int Pipeline;

    [GlobalSetup]
    public void Setup()
    {
        _loop = new EventLoop(0, new ReactorOptions());
        _peer = ConnectionPair.Open(_loop, new KvHandler(new Keyspace(), 16 << 20)).PeerFd;
        _drain = (byte*)NativeMemory.Alloc(64 * 1024);
        string value = new('v', 64);
        _ping = Repeat("*1\r\n$4\r\nPING\r\n");
        _get = Repeat($"*2\r\n$3\r\nGET\r\n${Key.Length}\r\n{Key}\r\n");
        _set = Repeat($"*3\r\n$3\r\nSET\r\n${Key.Length}\r\n{Key}\r\n${value.Length}\r\n{value}\r\n");
        RoundTrip(_set, 5);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Sys.Close(_peer);
        for (int i = 0; i < 100 && _loop.RegistrationCount > 0; i++) _loop.RunOnce(0);
        NativeMemory.Free(_drain);
        _loop.Dispose();
    }

    [Benchmark(Baseline = true)]
    public long Ping() => RoundTrip(_ping, "+PONG\r\n".Length);

    [Benchmark]
    public long Get() => RoundTrip(_get, "$64\r\n".Length + 64 + 2);

    [Benchmark]
    public long Set() => RoundTrip(_set, "+OK\r\n".Length);

    private byte[] Repeat(string command) => Enumerable.Repeat(Encoding.ASCII.GetBytes(command), Pipeline).SelectMany(c => c).ToArray();

    private long RoundTrip(byte[] commands, int replySize)
    {
        fixed (byte* p = commands) return ConnectionPair.RoundTrip(_loop, _peer, p, commands.Length, (long)Pipeline * replySize, _drain);
    }
}
