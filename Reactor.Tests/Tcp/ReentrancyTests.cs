using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

/// <summary>No callback runs nested inside another connection's callback.</summary>
public class ReentrancyTests
{
    [Fact]
    public async Task Abort_AnotherConnectionInsideOnData_ItsOnCloseRunsAfterTheCallbackReturns()
    {
        var events = new ConcurrentQueue<string>();
        Connection? victim = null;
        var handler = new DelegateHandler
        {
            Open = c => victim ??= c,
            Data = (c, data) =>
            {
                if (c == victim) return data.Length;
                events.Enqueue("OnData: abort the other");
                victim!.Abort();
                Assert.False(victim.IsOpen, "an aborted connection reports closed at once");
                Assert.False(victim.Send("x"u8), "and refuses sends");
                events.Enqueue("OnData: returns");
                return data.Length;
            },
            Closed = (c, reason) => events.Enqueue(c == victim ? $"OnClose of the other: {reason}" : $"OnClose: {reason}"),
        };
        using var server = new TestServer(handler, o => o.LoopCount = 1);
        using Socket first = await server.ConnectAsync();
        TestServer.WaitUntil(() => TestServer.OnLoop(server.Group.Loops[0], _ => victim) is not null, "the first connection is open");
        using Socket second = await server.ConnectAsync();
        await second.SendAllAsync("go"u8.ToArray());

        Assert.Equal(0L, await first.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        // The socket is closed before OnClose runs: the EOF can arrive first.
        TestServer.WaitUntil(() => events.Count == 3, "the other connection's OnClose");
        Assert.Equal(["OnData: abort the other", "OnData: returns", "OnClose of the other: Local"], events.ToArray());
    }
}
