using System;
using System.Diagnostics;
using System.Linq;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Protocols;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

public class IdleTimeoutTests
{
    [Fact]
    public async Task IdleTimeout_SilentPeer_ClosedWithTimeoutActivePeerKept()
    {
        var handler = new RecordingHandler(new EchoHandler());
        using var server = new TestServer(handler, o =>
        {
            o.LoopCount = 1;
            o.IdleTimeout = TimeSpan.FromSeconds(1);
        });
        using Socket silent = await server.ConnectAsync();
        using Socket active = await server.ConnectAsync();
        var clock = Stopwatch.StartNew();

        // The active peer talks every 100 ms for 2.5 s: more than two idle periods, never idle
        // for one (the margin absorbs thread-pool delays on a loaded machine).
        while (clock.ElapsedMilliseconds < 2500)
        {
            Assert.Equal("ping"u8.ToArray(), await active.EchoAsync("ping"u8.ToArray()));
            await Task.Delay(100);   // pacing, not waiting: talking every 100 ms is the scenario
        }
        Assert.Equal(0L, await silent.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal((CloseReason.Timeout, 0L), handler.Closes.Single());
        Assert.Equal(1, server.SumOnLoops(l => l.Stats.Closed(CloseReason.Timeout)));
        Assert.Equal("alive"u8.ToArray(), await active.EchoAsync("alive"u8.ToArray()));
    }

    [Fact]
    public async Task IdleTimeout_Fires_NotBeforeTheTimeout()
    {
        var handler = new RecordingHandler(new EchoHandler());
        using var server = new TestServer(handler, o => o.IdleTimeout = TimeSpan.FromMilliseconds(400));
        var clock = Stopwatch.StartNew();
        using Socket silent = await server.ConnectAsync();
        Assert.Equal(0L, await silent.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(clock.ElapsedMilliseconds >= 390, $"closed after {clock.ElapsedMilliseconds} ms, before the 400 ms timeout");
    }
}
