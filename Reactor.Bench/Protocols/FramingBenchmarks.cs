using System;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Reactor.Bench.Tcp;
using Reactor.Interop;
using Reactor.Protocols.Framing;
using static Reactor.Interop.Libc;

namespace Reactor.Bench.Protocols;

/// <summary>
/// One read of <see cref="FramesPerRead"/> 64-byte messages decoded and handed to a frame handler
/// that counts them: length-prefixed (<see cref="LengthPrefixFraming"/>) and newline-ended
/// (<see cref="LineFraming"/>). The loop runs on the benchmark thread over an AF_UNIX pair whose
/// peer writes the messages in one send. Steady state allocates 0 B per frame.
/// </summary>
[MemoryDiagnoser]
public unsafe class FramingBenchmarks
{
    private const int PayloadSize = 64;

    private EventLoop _loop = null!;
    private readonly FrameCounter _counter = new();
    private int _lengthPeer = -1, _linePeer = -1;
    private byte* _lengthFrames, _lineFrames;
    private int _lengthBytes, _lineBytes;

    [Params(1, 16)]
    public int FramesPerRead;

    private sealed class FrameCounter : IFrameHandler
    {
        public long Frames;

        public void OnFrame(Connection connection, Span<byte> frame) => Frames++;
    }

    [GlobalSetup]
    public void Setup()
    {
        _loop = new EventLoop(0, new ReactorOptions());
        _lengthPeer = ConnectionPair.Open(_loop, new LengthPrefixFraming(_counter)).PeerFd;
        _linePeer = ConnectionPair.Open(_loop, new LineFraming(_counter)).PeerFd;
        _lengthBytes = FramesPerRead * (LengthPrefixFraming.HeaderSize + PayloadSize);
        _lineBytes = FramesPerRead * (PayloadSize + 1);
        _lengthFrames = (byte*)NativeMemory.Alloc((nuint)_lengthBytes);
        _lineFrames = (byte*)NativeMemory.Alloc((nuint)_lineBytes);
        for (int i = 0; i < FramesPerRead; i++)
        {
            var frame = new Span<byte>(_lengthFrames + i * (LengthPrefixFraming.HeaderSize + PayloadSize), LengthPrefixFraming.HeaderSize + PayloadSize);
            BinaryPrimitives.WriteInt32BigEndian(frame, PayloadSize);
            frame[LengthPrefixFraming.HeaderSize..].Fill((byte)'f');
            var line = new Span<byte>(_lineFrames + i * (PayloadSize + 1), PayloadSize + 1);
            line.Fill((byte)'l');
            line[^1] = (byte)'\n';
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Sys.Close(_lengthPeer);
        Sys.Close(_linePeer);
        for (int i = 0; i < 100 && _loop.RegistrationCount > 0; i++) _loop.RunOnce(0);
        NativeMemory.Free(_lengthFrames);
        NativeMemory.Free(_lineFrames);
        _loop.Dispose();
    }

    [Benchmark(Baseline = true)]
    public long LengthPrefixed() => Decode(_lengthPeer, _lengthFrames, _lengthBytes);

    [Benchmark]
    public long Lines() => Decode(_linePeer, _lineFrames, _lineBytes);

    private long Decode(int peer, byte* frames, int length)
    {
        long want = _counter.Frames + FramesPerRead;
        if (Sys.Check(send(peer, frames, length, Linux.MSG_DONTWAIT)) != length) throw new InvalidOperationException("the peer's send was cut short");
        while (_counter.Frames < want) _loop.RunOnce(0);
        return _counter.Frames;
    }
}
