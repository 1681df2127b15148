using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Protocols.Framing;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Protocols.Framing;

public class LengthPrefixFramingTests
{
    private static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame.AsSpan(4));
        return frame;
    }

    private static byte[] Payload(int size, int seed) => Enumerable.Range(0, size).Select(i => (byte)(i * 31 + seed)).ToArray();

    private static (TestServer Server, FrameRecorder Frames) Serve(int maxFrame = LengthPrefixFraming.DefaultMaxFrameBytes, Action<ReactorOptions>? configure = null)
    {
        var recorder = new FrameRecorder(LengthPrefixFraming.SendFrame);
        var server = new TestServer(_ => new LengthPrefixFraming(recorder, maxFrame), configure);
        return (server, recorder);
    }

    /// <summary>Reads <paramref name="count"/> frames from the socket.</summary>
    private static async Task<List<byte[]>> ReceiveFrames(Socket s, int count)
    {
        var frames = new List<byte[]>();
        for (int i = 0; i < count; i++)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(await s.ReceiveExactlyAsync(4));
            frames.Add(length == 0 ? [] : await s.ReceiveExactlyAsync(length));
        }
        return frames;
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(16 * 1024 - 1)]
    [InlineData(16 * 1024 + 1)]
    [InlineData(5 << 20)]
    public async Task OnFrame_FrameOfSize_HandedOverWholeAndEchoed(int size)
    {
        var (server, recorder) = Serve();
        using (server)
        {
            using Socket s = await server.ConnectAsync();
            byte[] payload = Payload(size, size);
            Task<List<byte[]>> echoed = ReceiveFrames(s, 1);
            await s.SendAllAsync(Frame(payload));
            byte[] back = (await echoed.WaitAsync(TimeSpan.FromSeconds(30))).Single();
            Assert.True(payload.AsSpan().SequenceEqual(back), "the echoed frame differs");
            Assert.True(payload.AsSpan().SequenceEqual(recorder.Frames.Single()), "the frame handed over differs");
        }
    }

    [Fact]
    public async Task OnFrame_StreamSplitAtEveryByte_SameFramesInOrder()
    {
        byte[][] payloads = [[], Payload(1, 1), Payload(7, 2), [], Payload(300, 3)];
        byte[] stream = payloads.SelectMany(p => Frame(p)).ToArray();
        var (server, recorder) = Serve();
        using (server)
        {
            for (int split = 0; split <= stream.Length; split++)
            {
                using Socket s = await server.ConnectAsync();
                long before = server.SumOnLoops(l => l.Stats.BytesReceived);
                await s.SendAllAsync(stream.AsMemory(0, split));
                // The first part is read on its own before the second is sent.
                TestServer.WaitUntil(() => server.SumOnLoops(l => l.Stats.BytesReceived) >= before + split, $"server read the first {split} bytes");
                await s.SendAllAsync(stream.AsMemory(split));
                List<byte[]> back = await ReceiveFrames(s, payloads.Length).WaitAsync(TimeSpan.FromSeconds(10));
                Assert.Equal(payloads.Select(Convert.ToHexString), back.Select(Convert.ToHexString));
            }
            Assert.Equal((stream.Length + 1) * payloads.Length, recorder.Frames.Count);
        }
    }

    [Fact]
    public async Task OnFrame_HeaderOneByteAtATime_FrameHandedOverOnce()
    {
        var (server, recorder) = Serve();
        using (server)
        {
            using Socket s = await server.ConnectAsync();
            byte[] frame = Frame(Payload(20_000, 5));
            for (int i = 0; i < 4; i++)
            {
                await s.SendAllAsync(frame.AsMemory(i, 1));
                TestServer.WaitUntil(() => server.SumOnLoops(l => l.Stats.BytesReceived) >= i + 1, $"server read header byte {i}");
            }
            Assert.Empty(recorder.Frames);
            await s.SendAllAsync(frame.AsMemory(4));
            byte[] back = (await ReceiveFrames(s, 1).WaitAsync(TimeSpan.FromSeconds(10))).Single();
            Assert.True(frame.AsSpan(4).SequenceEqual(back));
            Assert.Single(recorder.Frames);
        }
    }

    [Fact]
    public async Task OnFrame_ThousandFramesInOneSend_AllInOrder()
    {
        byte[][] payloads = Enumerable.Range(0, 1000).Select(i => Payload(i % 50, i)).ToArray();
        var (server, recorder) = Serve();
        using (server)
        {
            using Socket s = await server.ConnectAsync();
            Task<List<byte[]>> echoed = ReceiveFrames(s, payloads.Length);
            await s.SendAllAsync(payloads.SelectMany(p => Frame(p)).ToArray());
            Assert.Equal(payloads.Select(Convert.ToHexString), (await echoed.WaitAsync(TimeSpan.FromSeconds(10))).Select(Convert.ToHexString));
            Assert.Equal(payloads.Select(Convert.ToHexString), recorder.Frames.Select(Convert.ToHexString));
        }
    }

    [Fact]
    public async Task OnData_HeaderOverLimit_EarlierFramesAnsweredThenClosedAsProtocolError()
    {
        const int limit = 1000;
        var (server, recorder) = Serve(limit);
        using (server)
        {
            using Socket s = await server.ConnectAsync();
            byte[] atLimit = Payload(limit, 9);
            byte[] over = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(over, limit + 1);
            await s.SendAllAsync(Frame(atLimit).Concat(over).ToArray());
            byte[] back = (await ReceiveFrames(s, 1).WaitAsync(TimeSpan.FromSeconds(10))).Single();
            Assert.True(atLimit.AsSpan().SequenceEqual(back), "the frame before the bad header was lost");
            Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
            TestServer.WaitUntil(() => server.SumOnLoops(l => l.Stats.Closed(CloseReason.ProtocolError)) == 1, "close counted as a protocol error");
            Assert.Single(recorder.Frames);
        }
    }

    [Fact]
    public async Task OnData_PeerStallsMidFrame_ClosedByIdleTimeout()
    {
        var (server, recorder) = Serve(configure: o => o.IdleTimeout = TimeSpan.FromMilliseconds(300));
        using (server)
        {
            using Socket s = await server.ConnectAsync();
            await s.SendAllAsync(Frame(Payload(100, 1)).AsMemory(0, 50));
            Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
            TestServer.WaitUntil(() => server.SumOnLoops(l => l.Stats.Closed(CloseReason.Timeout)) == 1, "close counted as a timeout");
            Assert.Empty(recorder.Frames);
        }
    }

    [Fact]
    public async Task SendFrame_HeaderAndPayload_OneSyscall()
    {
        var (server, _) = Serve();
        using (server)
        {
            using Socket s = await server.ConnectAsync();
            byte[] payload = Payload(4000, 3);
            await s.SendAllAsync(Frame(payload));
            await ReceiveFrames(s, 1).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(1L, server.SumOnLoops(l => l.Stats.SendCalls));
        }
    }

    [Fact]
    public async Task WriteFrame_ManyFramesPerRead_OneSyscall()
    {
        var recorder = new FrameRecorder(LengthPrefixFraming.WriteFrame);
        using var server = new TestServer(_ => new LengthPrefixFraming(recorder));
        using Socket s = await server.ConnectAsync();
        byte[][] payloads = Enumerable.Range(0, 16).Select(i => Payload(64, i)).ToArray();
        await s.SendAllAsync(payloads.SelectMany(p => Frame(p)).ToArray());
        Assert.Equal(payloads.Select(Convert.ToHexString), (await ReceiveFrames(s, 16).WaitAsync(TimeSpan.FromSeconds(10))).Select(Convert.ToHexString));
        // 16 frames that arrived in one read leave in one sendmsg (1, or 2 if the kernel split the read).
        Assert.InRange(server.SumOnLoops(l => l.Stats.SendCalls), 1L, 2L);
    }
}
