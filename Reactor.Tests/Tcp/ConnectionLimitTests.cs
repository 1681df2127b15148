using System;
using System.Linq;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Protocols;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

public class ConnectionLimitTests
{
    private static async Task<bool> IsServedAsync(Socket s)
    {
        try
        {
            return (await s.EchoAsync("hi"u8.ToArray()).WaitAsync(TimeSpan.FromSeconds(5))).AsSpan().SequenceEqual("hi"u8);
        }
        catch (Exception e) when (e is SocketException or InvalidOperationException)
        {
            return false; // closed at once: EOF or reset
        }
    }

    [Fact]
    public async Task MaxConnections_BeyondLimit_AcceptedAndClosedUntilOneFrees()
    {
        var handler = new RecordingHandler(new EchoHandler());
        using var server = new TestServer(handler, o => o.MaxConnections = 5);
        var first = new Socket[5];
        for (int i = 0; i < 5; i++)
        {
            first[i] = await server.ConnectAsync();
            Assert.True(await IsServedAsync(first[i]), $"connection {i} within the limit was not served");
        }
        for (int i = 0; i < 3; i++)
        {
            using Socket extra = await server.ConnectAsync();
            Assert.False(await IsServedAsync(extra), "a connection beyond the limit was served");
        }
        Assert.Equal(3, server.SumOnLoops(l => l.Stats.Rejected));
        Assert.Equal(5, handler.Opened);

        first[0].Dispose();
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "the freed connection closed on the server");
        using (Socket next = await server.ConnectAsync())
        {
            Assert.True(await IsServedAsync(next), "a connection after one freed was not served");
        }
        foreach (Socket s in first.Skip(1)) s.Dispose();
    }
}
