using System;
using System.Linq;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Reactor.Protocols;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

/// <summary>Each direction of a connection ends on its own: the peer's FIN, and ShutdownWrite.</summary>
public class HalfCloseTests
{
    [Fact]
    public async Task PeerShutdown_HandlerKeepsSending_RepliesFlowAfterTheClientsFin()
    {
        // Hashes the request; after the client's FIN answers with the SHA-256, then, from a timer
        // 50 ms later, with the length, and only then ends the stream.
        IncrementalHash? hash = null;
        long length = 0;
        var replying = new RecordingHandler(new DelegateHandler
        {
            Open = _ => hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
            Data = (_, data) =>
            {
                hash!.AppendData(data);
                length += data.Length;
                return data.Length;
            },
            PeerShutdown = c =>
            {
                c.Send(hash!.GetHashAndReset());
                c.Loop.Schedule(TimeSpan.FromMilliseconds(50), _ =>
                {
                    c.Send(BitConverter.GetBytes(length));
                    c.ShutdownWrite();
                }, null);
            },
        });
        using var server = new TestServer(replying, o => o.LoopCount = 1);
        using Socket s = await server.ConnectAsync();
        byte[] request = RandomNumberGenerator.GetBytes(3 << 20);

        await s.SendAllAsync(request);
        s.Shutdown(SocketShutdown.Send);
        byte[] reply = await s.ReceiveExactlyAsync(32 + 8).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(SHA256.HashData(request), reply[..32]);
        Assert.Equal(request.Length, BitConverter.ToInt64(reply, 32));
        TestServer.WaitUntil(() => replying.Closes.Count == 1, "server closed");
        Assert.Equal((CloseReason.PeerClosed, 0L), replying.Closes.Single());
    }

    [Fact]
    public async Task ShutdownWrite_ServerFinFirst_ServerStillReadsEverythingTheClientSends()
    {
        long received = 0;
        IncrementalHash? hash = null;
        byte[]? digest = null;
        var handler = new RecordingHandler(new DelegateHandler
        {
            Open = c =>
            {
                hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                c.Send("hello, and goodbye"u8);
                c.ShutdownWrite();
                Assert.False(c.Send("too late"u8), "a send after ShutdownWrite must be refused");
                Assert.True(c.IsOpen, "a half-closed connection is still open");
            },
            Data = (_, data) =>
            {
                hash!.AppendData(data);
                received += data.Length;
                return data.Length;
            },
            PeerShutdown = _ => digest = hash!.GetHashAndReset(),
        });
        using var server = new TestServer(handler, o => o.LoopCount = 1);
        using Socket s = await server.ConnectAsync();

        Assert.Equal("hello, and goodbye"u8.ToArray(), await s.ReceiveExactlyAsync(18).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        // The server's FIN is in; our direction is still open and every byte must be read.
        byte[] data = RandomNumberGenerator.GetBytes(8 << 20);
        await s.SendAllAsync(data).WaitAsync(TimeSpan.FromSeconds(30));
        s.Shutdown(SocketShutdown.Send);

        TestServer.WaitUntil(() => handler.Closes.Count == 1, "server closed once both directions ended");
        Assert.Equal((CloseReason.PeerClosed, 0L), handler.Closes.Single());
        Assert.Equal(data.Length, received);
        Assert.Equal(SHA256.HashData(data), digest);
    }

    [Fact]
    public async Task PeerShutdown_DefaultHandler_DeliversEverythingQueuedThenClosesPeerClosed()
    {
        // Echo does not override OnPeerShutdown: the default finishes sending, then closes.
        var handler = new RecordingHandler(new EchoHandler());
        using var server = new TestServer(handler, o =>
        {
            o.LoopCount = 1;
            o.MaxPendingBytes = 64 << 20;   // let the whole echo queue up behind a client that reads late
        });
        using Socket s = await server.ConnectAsync();
        s.ReceiveBufferSize = 64 * 1024;
        byte[] data = RandomNumberGenerator.GetBytes(16 << 20);

        await s.SendAllAsync(data).WaitAsync(TimeSpan.FromSeconds(30));
        s.Shutdown(SocketShutdown.Send);
        byte[] echo = await s.ReceiveExactlyAsync(data.Length).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.True(data.AsSpan().SequenceEqual(echo), "the echo differs");
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "server closed");
        Assert.Equal((CloseReason.PeerClosed, 0L), handler.Closes.Single());
    }
}
