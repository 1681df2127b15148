using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Reactor.Protocols;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

/// <summary>Edges of a connection's life: a factory that fails, a close inside OnData, a stop with connects pending.</summary>
public class LifecycleEdgeTests
{
    [Fact]
    public async Task HandlerFactory_WritesThenThrows_ConnectionDiscardedListenerKeepsServing()
    {
        var reported = new ConcurrentQueue<Exception>();
        int calls = 0;
        using var server = new TestServer(c =>
        {
            if (calls++ == 0)
            {
                c.Write("banner\n"u8);   // queues the connection for the deferred pass
                throw new InvalidOperationException("factory failed after writing");
            }
            return new EchoHandler();
        }, o =>
        {
            o.LoopCount = 1;
            o.CallbackError = (_, e) => reported.Enqueue(e);
        });
        EventLoop loop = server.Group.Loops[0];
        using (Socket first = await server.ConnectAsync())
        {
            Assert.Equal(0L, await first.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        }
        // Only the factory's exception: nothing ran on the discarded connection.
        Assert.Equal("factory failed after writing", Assert.Single(reported).Message);
        Assert.Equal(1, TestServer.OnLoop(loop, l => l.RegistrationCount));   // the listener
        using Socket second = await server.ConnectAsync();
        Assert.Equal("ok"u8.ToArray(), await second.EchoAsync("ok"u8.ToArray()).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task HandlerFactory_WritesThenThrows_ItsBytesNeverReachTheNextClient()
    {
        // Both clients wait in the backlog while the loop is held, so they are accepted in one
        // batch and the second may get the first one's fd number.
        int calls = 0;
        using var server = new TestServer(c =>
        {
            if (calls++ == 0)
            {
                c.Write("meant for the first client\n"u8);
                throw new InvalidOperationException("factory failed");
            }
            return new EchoHandler();
        }, o => o.LoopCount = 1);
        EventLoop loop = server.Group.Loops[0];
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        loop.Post(_ =>
        {
            held.Set();
            release.Wait(TimeSpan.FromSeconds(10));
        }, null);
        Assert.True(held.Wait(TimeSpan.FromSeconds(10)));
        using Socket first = await server.ConnectAsync();
        using Socket second = await server.ConnectAsync();
        release.Set();

        Assert.Equal(0L, await first.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        // The second client is echoed exactly what it sends, with nothing of the first's in front.
        Assert.Equal("mine"u8.ToArray(), await second.EchoAsync("mine"u8.ToArray()).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Close_InsideOnDataOfAFullRead_NoFurtherOnData()
    {
        int calls = 0;
        var handler = new RecordingHandler(new DelegateHandler
        {
            Data = (c, data) =>
            {
                Interlocked.Increment(ref calls);
                c.Close();
                return data.Length;
            },
        });
        using var server = new TestServer(handler, o => o.LoopCount = 1);
        using Socket s = await server.ConnectAsync();
        await s.SendAllAsync(new byte[256 * 1024]).WaitAsync(TimeSpan.FromSeconds(10));
        s.Shutdown(SocketShutdown.Send);   // ends the server's linger at once
        TestServer.WaitUntil(() => handler.Closes.Count == 1, "closed");
        Assert.Equal(1, Volatile.Read(ref calls));
        Assert.Equal(CloseReason.Local, Assert.Single(handler.Closes).Reason);
    }

    [Fact]
    public async Task GetSpan_WithoutAdvance_IdleConnectionHoldsNoChunk()
    {
        using var server = new TestServer(new DelegateHandler
        {
            Data = (c, data) =>
            {
                c.GetSpan(512);   // lent, then not used
                c.Send(data);
                return data.Length;
            },
        }, o => o.LoopCount = 1);
        using Socket s = await server.ConnectAsync();
        Assert.Equal("x"u8.ToArray(), await s.EchoAsync("x"u8.ToArray()));
        // Posted work runs after the deferred pass of the iteration that answered.
        Assert.Equal(0, server.ChunksInUse());
    }

    [Fact]
    public void Stop_ClientReconnectsFromOnFailed_LoopStopsAndNothingEscapes()
    {
        // A listener with a full accept queue: connects to it hang until their deadline.
        using var blackhole = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        blackhole.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        blackhole.Listen(0);
        var remote = (IPEndPoint)blackhole.LocalEndPoint!;
        using var filler = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        filler.Connect(remote);

        using var loop = new EventLoop(0, new ReactorOptions { ShutdownTimeout = TimeSpan.FromMilliseconds(300) });
        Exception? escaped = null;
        var thread = new Thread(() =>
        {
            try { loop.Run(); } catch (Exception e) { escaped = e; }
        });
        thread.Start();
        var failures = new ConcurrentQueue<ErrorCode>();
        Action<ErrorCode>? reconnect = null;
        reconnect = error =>
        {
            failures.Enqueue(error);
            loop.Connect(remote, new EchoHandler(), reconnect!);   // a client that always tries again
        };
        loop.Post(_ => loop.Connect(remote, new EchoHandler(), reconnect), null);
        TestServer.WaitUntil(() => TestServer.OnLoop(loop, l => l.RegistrationCount) == 1, "the connect is pending");

        loop.Stop();
        Assert.True(thread.Join(TimeSpan.FromSeconds(10)), "the loop did not stop");
        Assert.Null(escaped);
        // The pending connect was cancelled once; the retry from its callback was never started.
        Assert.Equal([ErrorCode.Canceled], failures.ToArray());
        Assert.Equal(0, loop.RegistrationCount);
        Assert.Equal(2, loop.Stats.ConnectFailures);
    }
}
