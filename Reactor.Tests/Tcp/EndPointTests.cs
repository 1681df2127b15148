using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Linq;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

/// <summary>A connection's addresses, and the reset a handler can send.</summary>
public class EndPointTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task EndPoints_AcceptedConnection_AreTheClientsAndTheListeners(string address)
    {
        IPEndPoint? remote = null, local = null;
        var handler = new DelegateHandler
        {
            Open = c =>
            {
                Volatile.Write(ref local, c.LocalEndPoint);
                Volatile.Write(ref remote, c.RemoteEndPoint);
            },
        };
        using var server = new TestServer(handler, o => o.LoopCount = 1, IPAddress.Parse(address));
        using (Socket s = await server.ConnectAsync())
        {
            TestServer.WaitUntil(() => Volatile.Read(ref remote) is not null, "OnOpen read the addresses");
            Assert.Equal(s.LocalEndPoint, remote);
            Assert.Equal(server.EndPoint, local);
        }
    }

    [Fact]
    public async Task Reset_FromOnData_PeerSeesConnectionReset()
    {
        var handler = new RecordingHandler(new DelegateHandler
        {
            Data = (c, data) =>
            {
                c.Send("queued and dropped"u8);
                c.Reset(CloseReason.Local);
                return data.Length;
            },
        });
        using var server = new TestServer(handler, o => o.LoopCount = 1);
        using Socket s = await server.ConnectAsync();

        await s.SendAllAsync("x"u8.ToArray());
        var buffer = new byte[64];
        // The reply may or may not arrive before the RST; the stream must end in a reset, not EOF.
        SocketException e = await Assert.ThrowsAsync<SocketException>(async () =>
        {
            while (true)
            {
                int n = await s.ReceiveAsync(buffer, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(10));
                if (n == 0) return;   // EOF: wrong, and Assert.ThrowsAsync says so
            }
        });
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "the connection closed");
        Assert.Equal(CloseReason.Local, handler.Closes.Single().Reason);
    }
}
