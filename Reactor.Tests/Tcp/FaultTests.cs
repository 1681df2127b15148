using System;
using System.Linq;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Reactor.Protocols;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

public class FaultTests
{
    [Fact]
    public async Task Send_SlowReader_QueuesThenDeliversAllInOrder()
    {
        var handler = new RecordingHandler(new EchoHandler());
        using var server = new TestServer(handler, o => o.MaxPendingBytes = 256 * 1024);
        using Socket s = await server.ConnectAsync();
        s.ReceiveBufferSize = 64 * 1024;
        var data = RandomNumberGenerator.GetBytes(32 << 20);

        // Write everything before reading anything: the server's output queue fills, it stops
        // reading (backpressure), and our sends stall until we read.
        Task send = s.SendAllAsync(data);
        TestServer.WaitUntil(() => server.ChunksInUse() * server.Options.BufferSize >= server.Options.MaxPendingBytes, "server queued output up to the high-water mark");
        Assert.False(send.IsCompleted, "32 MiB should not fit in the socket buffers");
        long queued = server.SumOnLoops(l => l.Buffers.RentedChunks - EventLoop.OwnChunks) * server.Options.BufferSize;
        Assert.True(queued > 0, "server should hold queued output for the slow reader");
        Assert.True(queued <= 2 * server.Options.MaxPendingBytes, $"server queued {queued} bytes, above twice the high-water mark");

        byte[] echo = await s.ReceiveExactlyAsync(data.Length).WaitAsync(TimeSpan.FromSeconds(60));
        await send;
        Assert.True(data.AsSpan().SequenceEqual(echo));
    }

    [Fact]
    public async Task Client_ResetsMidStream_OnlyThatConnectionCloses()
    {
        var handler = new RecordingHandler(new EchoHandler());
        using var server = new TestServer(handler, o => o.LoopCount = 1);
        using Socket bystander = await server.ConnectAsync();

        using (Socket s = await server.ConnectAsync())
        {
            // Fill the server's output queue, then abort with RST (SO_LINGER 0).
            _ = s.SendAllAsync(new byte[8 << 20]).ContinueWith(t => t.Exception);
            TestServer.WaitUntil(() => server.ChunksInUse() > 0, "server queued output");
            s.LingerState = new LingerOption(true, 0);
            s.Close();
        }
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "server closed the reset connection");
        var (reason, lost) = handler.Closes.Single();
        Assert.Equal(CloseReason.Reset, reason);
        Assert.True(lost > 0, "queued output of a reset connection is reported lost");
        Assert.Equal(lost, server.SumOnLoops(l => l.Stats.BytesLost));

        Assert.Equal("still here"u8.ToArray(), await bystander.EchoAsync("still here"u8.ToArray()));
    }

    [Fact]
    public async Task Client_DisconnectsWithoutReading_ServerCleansUp()
    {
        var handler = new RecordingHandler(new EchoHandler());
        using var server = new TestServer(handler);
        for (int i = 0; i < 50; i++)
        {
            using Socket s = await server.ConnectAsync();
            await s.SendAllAsync(new byte[100_000]);
        }
        TestServer.WaitUntil(() => handler.Closes.Count == 50, "all 50 connections closed");
        Assert.All(handler.Closes, c => Assert.Contains(c.Reason, new[] { CloseReason.Reset, CloseReason.PeerClosed }));
    }

    [Fact]
    public async Task Stop_WithOpenConnections_ClosesThemAndJoins()
    {
        var handler = new RecordingHandler(new EchoHandler());
        var server = new TestServer(handler);
        var sockets = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => server.ConnectAsync()));
        foreach (Socket s in sockets) await s.EchoAsync(new byte[10]);

        server.Group.Stop();
        Assert.True(server.Group.Join(TimeSpan.FromSeconds(10)));
        foreach (Socket s in sockets)
        {
            Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(5)));
            s.Dispose();
        }
        Assert.Equal(50, handler.Closes.Count);
        Assert.All(handler.Closes, c => Assert.Equal((CloseReason.Shutdown, 0L), c));
        server.Group.Dispose();
        await Assert.ThrowsAnyAsync<SocketException>(() => server.ConnectAsync());
    }

    [Fact]
    public async Task Pool_Exhausted_ClosesOnlyTheGreedyConnection()
    {
        // One loop whose pool may hold one slab (64 chunks x 1 KiB): a slow reader that makes the
        // server queue more than that is closed with OutOfBuffers; another connection still works.
        var handler = new RecordingHandler(new EchoHandler());
        using var server = new TestServer(handler, o =>
        {
            o.LoopCount = 1;
            o.BufferSize = 1024;
            o.InitialPoolBytes = 64 * 1024;
            o.MaxPoolBytes = 64 * 1024;
            o.MaxPendingBytes = 16 << 20;   // no backpressure: the pool limit must act
        });
        using Socket greedy = await server.ConnectAsync();
        greedy.ReceiveBufferSize = 4096;
        _ = greedy.SendAllAsync(new byte[16 << 20]).ContinueWith(t => t.Exception);
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "greedy connection closed");
        Assert.Equal(CloseReason.OutOfBuffers, handler.Closes.Single().Reason);
        Assert.True(handler.Closes.Single().Lost > 0);

        using Socket polite = await server.ConnectAsync();
        Assert.Equal("ok"u8.ToArray(), await polite.EchoAsync("ok"u8.ToArray()));
    }

    private sealed class NeverConsumes : IConnectionHandler
    {
        public void OnOpen(Connection connection) { }
        public int OnData(Connection connection, Span<byte> data) => 0;
        public void OnClose(Connection connection, CloseReason reason) { }
    }

    [Fact]
    public async Task Handler_ConsumesNothingOfFullBuffer_ProtocolErrorClose()
    {
        var handler = new RecordingHandler(new NeverConsumes());
        using var server = new TestServer(handler, o => o.BufferSize = 4096);
        using Socket s = await server.ConnectAsync();
        await s.SendAllAsync(new byte[10_000]);
        // The server closes with our bytes unread, so the kernel answers with RST, not FIN.
        var e = await Assert.ThrowsAsync<SocketException>(() => s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "server closed");
        Assert.Equal(CloseReason.ProtocolError, handler.Closes.Single().Reason);
    }

    private sealed class Throws : IConnectionHandler
    {
        public void OnOpen(Connection connection) { }
        public int OnData(Connection connection, Span<byte> data) => throw new InvalidOperationException("handler bug");
        public void OnClose(Connection connection, CloseReason reason) { }
    }

    [Fact]
    public async Task Handler_Throws_ConnectionClosedLoopSurvives()
    {
        var handler = new RecordingHandler(new Throws());
        using var server = new TestServer(handler, o => o.LoopCount = 1);
        for (int i = 0; i < 3; i++)
        {
            using Socket s = await server.ConnectAsync();
            await s.SendAllAsync("x"u8.ToArray());
            Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(5)));
        }
        TestServer.WaitUntil(() => handler.Closes.Count == 3, "three closes");
        Assert.All(handler.Closes, c => Assert.Equal(CloseReason.HandlerError, c.Reason));
    }

    [Fact]
    public void Serve_PortInUse_ThrowsNamingBindAndReason()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        holder.Listen();
        int port = ((System.Net.IPEndPoint)holder.LocalEndPoint!).Port;
        using var group = new LoopGroup(new ReactorOptions { Port = port, LoopCount = 1 });
        var e = Assert.Throws<ReactorException>(() => group.Serve(new EchoHandler()));
        Assert.Equal($"bind 127.0.0.1:{port}: Address already in use", e.Message);
    }

    [Fact]
    public void Serve_SecondReactorOnSamePort_ThrowsAddressInUse()
    {
        using var server = new TestServer(new EchoHandler(), o => o.LoopCount = 1);
        using var group = new LoopGroup(new ReactorOptions { Port = server.EndPoint.Port, LoopCount = 1 });
        var e = Assert.Throws<ReactorException>(() => group.Serve(new EchoHandler()));
        Assert.Contains("Address already in use", e.Message);
    }
}
