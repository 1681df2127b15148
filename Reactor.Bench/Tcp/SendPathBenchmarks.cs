using System;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Reactor.Backends;
using Reactor.Interop;
using Reactor.Platform;
using static Reactor.Interop.Libc;

namespace Reactor.Bench.Tcp;

/// <summary>
/// <see cref="Connection.Send"/> with the peer drained on the same thread, so no loop runs. The
/// fast path is one send(2) the kernel takes whole. The partial path sends 64 KiB into a small
/// SO_SNDBUF: the kernel takes half, the other half is copied into pool chunks, and the writable
/// callback flushes them with sendmsg(2) while the peer drains. Steady state allocates 0 B:
/// chunks go back to the loop's pool.
/// </summary>
/// <remarks>
/// The pair is AF_UNIX, not loopback TCP. Over loopback TCP a send into an empty send buffer
/// becomes one 64 KiB segment whatever SO_SNDBUF says (the loopback MSS is 65483), so in steady
/// state only 53 bytes were queued; and the flush stalled on the peer's delayed ACK (40 ms) unless
/// the peer set TCP_QUICKACK after every drain. AF_UNIX charges the send buffer until the peer
/// reads, so every iteration queues the same 32896 bytes.
/// </remarks>
[MemoryDiagnoser]
public unsafe class SendPathBenchmarks
{
    private const int SmallSize = 64;
    private const int LargeSize = 64 * 1024;

    // The kernel doubles it (socket(7)): about 32 KiB of a 64 KiB send is taken, the rest queued.
    private const int SendBufferSize = 16 * 1024;

    private EventLoop _loop = null!;
    private Connection _connection = null!;
    private int _peerFd = -1;
    private byte* _drainBuffer;
    private byte[] _small = null!;
    private byte[] _large = null!;

    [GlobalSetup]
    public void Setup()
    {
        _loop = new EventLoop(0, new ReactorOptions());
        (_connection, _peerFd) = ConnectionPair.Open(_loop, new NullHandler());
        Sockets.SetOption(_connection.FileDescriptor, Linux.SOL_SOCKET, Linux.SO_SNDBUF, SendBufferSize, "SO_SNDBUF");
        _drainBuffer = (byte*)NativeMemory.Alloc(LargeSize);

        _small = new byte[SmallSize];
        _large = new byte[LargeSize];
        new Random(1).NextBytes(_large);
        _large.AsSpan(0, SmallSize).CopyTo(_small);

        // The partial path is only measured if the kernel really leaves part of the send queued.
        _connection.Send(_large);
        long queued = _connection.PendingBytes;
        FlushAll();
        if (queued == 0) throw new InvalidOperationException($"SO_SNDBUF {SendBufferSize}: the kernel took all {LargeSize} bytes; the partial path was not taken");
        Console.WriteLine($"// setup: kernel took {LargeSize - queued} of {LargeSize} bytes, {queued} queued");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.Abort();
        Sys.Close(_peerFd);
        NativeMemory.Free(_drainBuffer);
        _loop.Dispose();
    }

    [Benchmark(Baseline = true)]
    public long FastPath_64B()
    {
        _connection.Send(_small);
        return DrainPeer();
    }

    [Benchmark]
    public long PartialWrite_64KiB()
    {
        _connection.Send(_large);
        return FlushAll();
    }

    /// <summary>Drains the peer and runs the writable callback until nothing is queued. Returns the bytes drained.</summary>
    private long FlushAll()
    {
        long drained = DrainPeer();
        while (_connection.PendingBytes > 0)
        {
            _connection.OnReady(new ReadyEvent { Readiness = Readiness.Writable });
            drained += DrainPeer();
        }
        if (!_connection.IsOpen) throw new InvalidOperationException("the connection closed during the benchmark");
        return drained;
    }

    /// <summary>Reads the peer side until recv(2) reports EAGAIN. Returns the bytes read.</summary>
    private long DrainPeer()
    {
        long total = 0;
        while (true)
        {
            nint n = Sys.Check(recv(_peerFd, _drainBuffer, LargeSize, Linux.MSG_DONTWAIT));
            if (n > 0)
            {
                total += n;
                continue;
            }
            if (n == -(int)ErrorCode.Interrupted) continue;
            if (n == -(int)ErrorCode.WouldBlock) return total;
            throw new InvalidOperationException($"recv on the peer: {(n == 0 ? "EOF" : Sys.ErrorOf(n).Message())}");
        }
    }

    private sealed class NullHandler : IConnectionHandler
    {
        public void OnOpen(Connection connection) { }

        public int OnData(Connection connection, Span<byte> data) => data.Length;

        public void OnClose(Connection connection, CloseReason reason) { }
    }
}
