using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Protocols;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Loop;

/// <summary>
/// Every kind of user callback that throws is caught on the loop, counted, reported to
/// <see cref="ReactorOptions.CallbackError"/>, and the loop keeps serving.
/// </summary>
public class CallbackErrorTests
{
    private sealed class Boom(string where) : Exception($"boom in {where}");

    /// <summary>An echo server on one loop whose handler and options record contained exceptions.</summary>
    private sealed class Fixture : IDisposable
    {
        public readonly ConcurrentQueue<Exception> Reported = new();
        public readonly RecordingHandler Handler;
        public readonly TestServer Server;

        public Fixture(IConnectionHandler handler)
        {
            Handler = new RecordingHandler(handler);
            Server = new TestServer(Handler, o =>
            {
                o.LoopCount = 1;
                o.CallbackError = (_, e) => Reported.Enqueue(e);
            });
        }

        public EventLoop Loop => Server.Group.Loops[0];

        public long Errors => TestServer.OnLoop(Loop, l => l.Stats.CallbackErrors);

        /// <summary>Fails unless the loop still accepts and echoes.</summary>
        public async Task AssertStillServes()
        {
            using Socket s = await Server.ConnectAsync();
            Assert.Equal("still serving"u8.ToArray(), await s.EchoAsync("still serving"u8.ToArray()).WaitAsync(TimeSpan.FromSeconds(10)));
        }

        public void Dispose() => Server.Dispose();
    }

    [Fact]
    public async Task Timer_CallbackThrows_CountedReportedLoopServes()
    {
        using var f = new Fixture(new EchoHandler());
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        f.Loop.Post(_ =>
        {
            f.Loop.Schedule(TimeSpan.FromMilliseconds(10), _ => throw new Boom("timer"), null);
            f.Loop.Schedule(TimeSpan.FromMilliseconds(20), _ => fired.SetResult(), null);
        }, null);
        await fired.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, f.Errors);
        Assert.Equal("boom in timer", f.Reported.Single().Message);
        await f.AssertStillServes();
    }

    [Fact]
    public async Task OnOpen_Throws_ThatConnectionClosedWithHandlerErrorOthersServed()
    {
        int opened = 0;
        using var f = new Fixture(new DelegateHandler
        {
            Open = _ =>
            {
                if (opened++ == 0) throw new Boom("OnOpen");
            },
            Data = (c, data) =>
            {
                c.Send(data);
                return data.Length;
            },
        });
        using (Socket first = await f.Server.ConnectAsync())
        {
            Assert.Equal(0L, await first.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        }
        TestServer.WaitUntil(() => f.Handler.Closes.Count == 1, "the first connection closed");
        Assert.Equal(CloseReason.HandlerError, f.Handler.Closes.Single().Reason);
        await f.AssertStillServes();
        Assert.Equal(1, f.Errors);
    }

    [Fact]
    public async Task OnClose_Throws_CountedLoopServes()
    {
        using var f = new Fixture(new DelegateHandler
        {
            Data = (c, data) =>
            {
                c.Send(data);
                return data.Length;
            },
            Closed = (_, _) => throw new Boom("OnClose"),
        });
        using (Socket s = await f.Server.ConnectAsync())
        {
            Assert.Equal("x"u8.ToArray(), await s.EchoAsync("x"u8.ToArray()));
        }
        TestServer.WaitUntil(() => f.Handler.Closes.Count == 1, "the connection closed");
        await f.AssertStillServes();
        TestServer.WaitUntil(() => f.Handler.Closes.Count == 2, "the second connection closed");
        Assert.Equal(2, f.Errors);
        Assert.All(f.Reported, e => Assert.Equal("boom in OnClose", e.Message));
    }

    [Fact]
    public async Task OnPeerShutdown_Throws_ClosedWithHandlerError()
    {
        using var f = new Fixture(new DelegateHandler { PeerShutdown = _ => throw new Boom("OnPeerShutdown") });
        using (Socket s = await f.Server.ConnectAsync())
        {
            s.Shutdown(SocketShutdown.Send);
            Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        }
        TestServer.WaitUntil(() => f.Handler.Closes.Count == 1, "the connection closed");
        Assert.Equal(CloseReason.HandlerError, f.Handler.Closes.Single().Reason);
        Assert.Equal(1, f.Errors);
    }

    [Fact]
    public async Task ConnectFailureCallback_Throws_CountedLoopServes()
    {
        using var f = new Fixture(new EchoHandler());
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));   // bound, never listening: refused
        var remote = (IPEndPoint)probe.LocalEndPoint!;
        f.Loop.Post(_ => f.Loop.Connect(remote, new EchoHandler(), error => throw new Boom($"onFailed {error}")), null);
        TestServer.WaitUntil(() => f.Errors == 1, "the failure callback ran and threw");
        Assert.Equal("boom in onFailed ConnectionRefused", f.Reported.Single().Message);
        await f.AssertStillServes();
    }

    [Fact]
    public async Task HandlerFactory_Throws_ConnectionRejectedLoopServes()
    {
        var reported = new ConcurrentQueue<Exception>();
        int calls = 0;
        using var server = new TestServer(_ => calls++ == 0 ? throw new Boom("factory") : new EchoHandler(), o =>
        {
            o.LoopCount = 1;
            o.CallbackError = (_, e) => reported.Enqueue(e);
        });
        using (Socket first = await server.ConnectAsync())
        {
            Assert.Equal(0L, await first.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        }
        using Socket second = await server.ConnectAsync();
        Assert.Equal("ok"u8.ToArray(), await second.EchoAsync("ok"u8.ToArray()));
        EventLoop loop = server.Group.Loops[0];
        Assert.Equal((1L, 1L, 1L), TestServer.OnLoop(loop, l => (l.Stats.CallbackErrors, l.Stats.Rejected, l.Stats.Accepted)));
        Assert.Equal("boom in factory", reported.Single().Message);
    }

    [Fact]
    public async Task CallbackErrorReporter_ItselfThrows_LoopServes()
    {
        var handler = new RecordingHandler(new DelegateHandler { Data = (_, _) => throw new Boom("OnData") });
        using var server = new TestServer(handler, o =>
        {
            o.LoopCount = 1;
            o.CallbackError = (_, _) => throw new Boom("reporter");
        });
        using (Socket s = await server.ConnectAsync())
        {
            await s.SendAllAsync("x"u8.ToArray());
            Assert.Equal(0L, await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        }
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "closed");
        Assert.Equal(CloseReason.HandlerError, handler.Closes.Single().Reason);
        Assert.Equal(1, TestServer.OnLoop(server.Group.Loops[0], l => l.Stats.CallbackErrors));
    }
}
