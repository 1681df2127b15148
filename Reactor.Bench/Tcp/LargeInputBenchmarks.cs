using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Reactor.Interop;
using Reactor.Platform;
using static Reactor.Interop.Libc;

namespace Reactor.Bench.Tcp;

/// <summary>
/// A 5 MiB length-prefixed frame received and handed to the handler whole: with
/// <see cref="Connection.NeedInput"/> (the input block is sized once, the frame is read straight
/// into it) against a handler that only returns 0 until the frame is complete (the block grows by
/// doubling). The loop runs on the benchmark thread over an AF_UNIX pair; the peer writes the
/// frame as fast as the socket takes it. Prints the bytes the loop copied per byte received
/// (at most 2 by design; about 0 with NeedInput). Steady state allocates 0 B managed; the block
/// is native memory from the loop's pool budget, given back after each frame.
/// </summary>
[MemoryDiagnoser]
public unsafe class LargeInputBenchmarks
{
    private const int PayloadSize = 5 << 20;

    private EventLoop _loop = null!;
    private FrameCounter _handler = null!;
    private int _peer = -1;
    private byte* _frame;

    [Params(false, true)]
    public bool UseNeedInput;

    private sealed class FrameCounter(bool useNeedInput) : IConnectionHandler
    {
        public long Frames;

        public void OnOpen(Connection connection) => connection.MaxInputBytes = PayloadSize + 4;

        public int OnData(Connection connection, Span<byte> data)
        {
            if (data.Length < 4) return 0;
            int length = BinaryPrimitives.ReadInt32BigEndian(data);
            if (data.Length - 4 < length)
            {
                if (useNeedInput) connection.NeedInput(4 + length);
                return 0;
            }
            Frames++;
            return 4 + length;
        }

        public void OnClose(Connection connection, CloseReason reason) { }
    }

    [GlobalSetup]
    public void Setup()
    {
        _loop = new EventLoop(0, new ReactorOptions { MaxPoolBytes = 64L << 20 });
        _handler = new FrameCounter(UseNeedInput);
        _peer = ConnectionPair.Open(_loop, _handler).PeerFd;
        Sockets.SetOption(_peer, Linux.SOL_SOCKET, Linux.SO_SNDBUF, 1 << 20, "SO_SNDBUF");
        _frame = (byte*)NativeMemory.AllocZeroed(PayloadSize + 4);
        BinaryPrimitives.WriteInt32BigEndian(new Span<byte>(_frame, 4), PayloadSize);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Sys.Close(_peer);
        for (int i = 0; i < 100 && _loop.RegistrationCount > 0; i++) _loop.RunOnce(0);
        NativeMemory.Free(_frame);
        Console.WriteLine($"// NeedInput={UseNeedInput}: bytes copied per byte received {(double)_loop.Stats.InputBytesCopied / _loop.Stats.BytesReceived:F4}");
        _loop.Dispose();
    }

    [Benchmark]
    public long FiveMiBFrame()
    {
        long frames = _handler.Frames;
        int offset = 0, total = PayloadSize + 4;
        while (_handler.Frames == frames)
        {
            if (offset < total)
            {
                nint n = Sys.Check(send(_peer, _frame + offset, total - offset, Linux.MSG_DONTWAIT));
                if (n > 0) offset += (int)n;
                else if (n != -(int)ErrorCode.WouldBlock) throw new InvalidOperationException($"send: {Sys.ErrorOf(n).Message()}");
            }
            _loop.RunOnce(0);
        }
        return offset;
    }
}
