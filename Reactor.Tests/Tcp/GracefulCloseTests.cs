using System;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

public class GracefulCloseTests
{
    /// <summary>Answers the first bytes with a large reply and closes, like an HTTP server rejecting a request.</summary>
    private sealed class ReplyAndClose(byte[] reply) : IConnectionHandler
    {
        public void OnOpen(Connection connection) { }

        public int OnData(Connection connection, Span<byte> data)
        {
            connection.Send(reply);
            connection.Close();
            return data.Length;
        }

        public void OnClose(Connection connection, CloseReason reason) { }
    }

    [Fact]
    public async Task Close_PeerStillSending_ReplyDeliveredThenEofNotReset()
    {
        byte[] reply = Enumerable.Range(0, 4 << 20).Select(i => (byte)(i * 7)).ToArray();
        var handler = new RecordingHandler(new ReplyAndClose(reply));
        using var server = new TestServer(handler);
        using Socket s = await server.ConnectAsync();
        s.ReceiveBufferSize = 32 * 1024;

        // Keep sending while the server closes: it leaves input unread, which without a lingering
        // close makes the kernel reset the connection and drop the reply in flight.
        using var stop = new CancellationTokenSource();
        long sent = 0;
        Task sending = Task.Run(async () =>
        {
            var chunk = new byte[16 * 1024];
            try
            {
                while (!stop.IsCancellationRequested) Interlocked.Add(ref sent, await s.SendAsync(chunk, SocketFlags.None, stop.Token));
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException) { }
        });
        // Read the reply only once the server has closed (its reply is arriving) with our input unread.
        TestServer.WaitUntil(() => s.Available > 0 && Interlocked.Read(ref sent) > server.SumOnLoops(l => l.Stats.BytesReceived),
            "server closed with input unread");
        byte[] received = await s.ReceiveExactlyAsync(reply.Length).WaitAsync(TimeSpan.FromSeconds(20));
        stop.Cancel();
        Assert.True(reply.AsSpan().SequenceEqual(received), "the reply was cut or changed");
        Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(5)));
        await sending;
        s.Shutdown(SocketShutdown.Send);
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "server closed");
        Assert.Equal((CloseReason.Local, 0L), handler.Closes.Single());
    }

    [Fact]
    public async Task CloseWithReason_AfterReply_ReplyDeliveredAndReasonCounted()
    {
        var handler = new RecordingHandler(new DelegateHandler
        {
            Data = (c, data) =>
            {
                c.Send("-ERR Protocol error\r\n"u8);
                c.Close(CloseReason.ProtocolError);
                return data.Length;
            },
        });
        using var server = new TestServer(handler);
        using Socket s = await server.ConnectAsync();
        await s.SendAsync("*x\r\n"u8.ToArray());
        byte[] reply = await s.ReceiveExactlyAsync(21).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("-ERR Protocol error\r\n", System.Text.Encoding.ASCII.GetString(reply));
        Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(5)));
        s.Shutdown(SocketShutdown.Send);
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "server closed");
        Assert.Equal((CloseReason.ProtocolError, 0L), handler.Closes.Single());
        Assert.Equal(1L, server.SumOnLoops(l => l.Stats.Closed(CloseReason.ProtocolError)));
    }
}
