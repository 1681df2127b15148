using System;
using System.Net.Sockets;
using System.Text;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

public class ShutdownHookTests
{
    /// <summary>Echoes; when the loop stops, says goodbye 100 ms later (from a timer), then closes.</summary>
    private sealed class GoodbyeHandler : IConnectionHandler
    {
        public void OnOpen(Connection connection) { }

        public int OnData(Connection connection, Span<byte> data)
        {
            connection.Send(data);
            return data.Length;
        }

        public void OnShutdown(Connection connection) =>
            connection.Loop.Schedule(TimeSpan.FromMilliseconds(100), static state =>
            {
                var c = (Connection)state!;
                c.Send("bye"u8);
                c.Close(CloseReason.Shutdown);
            }, connection);

        public void OnClose(Connection connection, CloseReason reason) { }
    }

    [Fact]
    public async Task OnShutdown_HandlerFinishesLater_ItsLastBytesDeliveredThenClosed()
    {
        var server = new TestServer(new GoodbyeHandler(), o => o.LoopCount = 1);
        using Socket s = await server.ConnectAsync();
        Assert.Equal("hi"u8.ToArray(), await s.EchoAsync("hi"u8.ToArray()));
        server.Group.Stop();
        Assert.True(server.Group.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal("bye", Encoding.ASCII.GetString(await s.ReceiveExactlyAsync(3)));
        Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(5)));
        server.Group.Dispose();
    }
}
