using System;
using System.Buffers.Binary;
using System.Linq;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

/// <summary>Unconsumed input beyond one pool chunk, up to a limit the protocol sets.</summary>
public class LargeInputTests
{
    private const int MaxFrame = 8 << 20;

    /// <summary>
    /// 4-byte big-endian length, then the payload; answers each frame with its SHA-256. With
    /// <paramref name="useNeedInput"/> it names the whole frame as soon as it has read the length;
    /// without, it returns 0 until the frame is complete and lets the buffer grow by itself.
    /// </summary>
    private sealed class FrameHasher(bool useNeedInput) : IConnectionHandler
    {
        public int Calls;

        public void OnOpen(Connection connection) => connection.MaxInputBytes = MaxFrame + 4;

        public int OnData(Connection connection, Span<byte> data)
        {
            Calls++;
            int consumed = 0;
            while (data.Length - consumed >= 4)
            {
                int length = BinaryPrimitives.ReadInt32BigEndian(data[consumed..]);
                if (data.Length - consumed - 4 < length)
                {
                    if (useNeedInput) connection.NeedInput(4 + length);
                    break;
                }
                connection.Write(SHA256.HashData(data.Slice(consumed + 4, length)));
                consumed += 4 + length;
            }
            return consumed;
        }

        public void OnClose(Connection connection, CloseReason reason) { }
    }

    private static byte[] Frame(byte[] payload)
    {
        var frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        payload.CopyTo(frame, 4);
        return frame;
    }

    /// <summary>Sends a 5 MiB frame and a 10-byte one; returns (bytes received, bytes copied, OnData calls) of the server.</summary>
    private static async Task<(long Received, long Copied, int Calls)> SendFiveMiBFrame(bool useNeedInput)
    {
        FrameHasher? hasher = null;
        using var server = new TestServer(_ => hasher = new FrameHasher(useNeedInput), o => o.LoopCount = 1);
        using Socket s = await server.ConnectAsync();
        byte[] big = RandomNumberGenerator.GetBytes(5 << 20), small = RandomNumberGenerator.GetBytes(10);

        Task send = s.SendAllAsync(Frame(big).Concat(Frame(small)).ToArray());
        byte[] digests = await s.ReceiveExactlyAsync(64).WaitAsync(TimeSpan.FromSeconds(30));
        await send;

        Assert.Equal(SHA256.HashData(big), digests[..32]);
        Assert.Equal(SHA256.HashData(small), digests[32..]);
        return TestServer.OnLoop(server.Group.Loops[0], l => (l.Stats.BytesReceived, l.Stats.InputBytesCopied, hasher!.Calls));
    }

    [Fact]
    public async Task NeedInput_FiveMiBFrame_HandedOverWholeCopiedAtMostOneBuffer()
    {
        var (received, copied, calls) = await SendFiveMiBFrame(useNeedInput: true);
        Assert.Equal((5 << 20) + 4 + 14, received);
        // Only what came with the length prefix is copied (out of the loop's receive buffer, into a
        // block of the frame's size); everything after is read straight into that block.
        Assert.InRange(copied, 0, 2 * 16 * 1024);
        // The length arrives, then the whole frame: the handler is not called for each partial read.
        Assert.InRange(calls, 1, 3);
    }

    [Fact]
    public async Task GrowingWithoutHint_FiveMiBFrame_AtMostTwoBytesCopiedPerByteReceived()
    {
        var (received, copied, calls) = await SendFiveMiBFrame(useNeedInput: false);
        Assert.True(copied <= 2 * received, $"copied {copied} bytes for {received} received: growth is not geometric");
        Assert.True(calls > 3, "without NeedInput the handler sees the partial reads");
    }

    [Fact]
    public async Task MaxInputBytes_HandlerAnswersAtItsLimit_ReplyThenClose()
    {
        // A line protocol with 1 KiB lines that answers an over-long line itself, as HTTP answers 431.
        var handler = new RecordingHandler(new DelegateHandler
        {
            Open = c => c.MaxInputBytes = 1024,
            Data = (c, data) =>
            {
                int end = data.IndexOf((byte)'\n');
                if (end >= 0)
                {
                    c.Send(data[..(end + 1)]);
                    return end + 1;
                }
                if (data.Length >= c.MaxInputBytes)
                {
                    c.Send("line too long\n"u8);
                    c.Close();
                    return data.Length;
                }
                return 0;
            },
        });
        using var server = new TestServer(handler, o => o.LoopCount = 1);
        using Socket s = await server.ConnectAsync();

        Assert.Equal("short\n"u8.ToArray(), await s.EchoAsync("short\n"u8.ToArray()));
        await s.SendAllAsync(new byte[3000]);
        Assert.Equal("line too long\n"u8.ToArray(), await s.ReceiveExactlyAsync(14).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "server closed");
        Assert.Equal(CloseReason.Local, handler.Closes.Single().Reason);
    }

    [Fact]
    public async Task MaxInputBytes_HandlerNeverConsumes_ProtocolErrorAtTheLimitNotAtOneBuffer()
    {
        // Holds 40 KiB (more than two 16 KiB buffers) without consuming; one byte more is a protocol error.
        long seen = 0;
        var handler = new RecordingHandler(new DelegateHandler
        {
            Open = c => c.MaxInputBytes = 40 * 1024,
            Data = (_, data) =>
            {
                seen = data.Length;
                return 0;
            },
        });
        using var server = new TestServer(handler, o => o.LoopCount = 1);
        using Socket s = await server.ConnectAsync();

        await s.SendAllAsync(new byte[40 * 1024 - 1]);
        TestServer.WaitUntil(() => TestServer.OnLoop(server.Group.Loops[0], _ => seen) == 40 * 1024 - 1, "all of it buffered and shown to the handler");
        Assert.Empty(handler.Closes);
        await s.SendAllAsync(new byte[1]);
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "server closed at the limit");
        Assert.Equal(CloseReason.ProtocolError, handler.Closes.Single().Reason);
    }

    [Fact]
    public async Task NeedInput_AboveMaxInputBytes_ThrowsAndClosesWithHandlerError()
    {
        var handler = new RecordingHandler(new DelegateHandler
        {
            Data = (c, data) =>
            {
                c.NeedInput(c.MaxInputBytes + 1);
                return 0;
            },
        });
        using var server = new TestServer(handler, o => o.LoopCount = 1);
        using Socket s = await server.ConnectAsync();
        await s.SendAllAsync("x"u8.ToArray());
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "server closed");
        Assert.Equal(CloseReason.HandlerError, handler.Closes.Single().Reason);
    }
}
