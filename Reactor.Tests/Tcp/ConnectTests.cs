using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Protocols;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Tcp;

/// <summary><see cref="EventLoop.Connect"/>: outgoing connections, their failures and their deadline.</summary>
public class ConnectTests
{
    /// <summary>Sends a greeting on open and collects what comes back.</summary>
    private sealed class Greeter(byte[] greeting) : IConnectionHandler
    {
        public readonly TaskCompletionSource<byte[]> Reply = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly System.IO.MemoryStream _received = new();

        public void OnOpen(Connection connection) => connection.Send(greeting);

        public int OnData(Connection connection, Span<byte> data)
        {
            _received.Write(data);
            if (_received.Length >= greeting.Length) Reply.TrySetResult(_received.ToArray());
            return data.Length;
        }

        public void OnClose(Connection connection, CloseReason reason) => Reply.TrySetException(new Exception($"closed: {reason}"));
    }

    private static (LoopGroup Group, EventLoop Loop) StartClientLoop()
    {
        var group = new LoopGroup(new ReactorOptions { LoopCount = 1 });
        group.Start();
        return (group, group.Loops[0]);
    }

    private static Task<ErrorCode> ConnectExpectingFailure(EventLoop loop, IPEndPoint remote, TimeSpan timeout)
    {
        var failed = new TaskCompletionSource<ErrorCode>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new Greeter([1]);
        loop.Post(_ => loop.Connect(remote, handler, error => failed.SetResult(error), timeout: timeout), null);
        handler.Reply.Task.ContinueWith(_ => failed.TrySetException(new Exception("connected, expected a failure")), TaskScheduler.Default);
        return failed.Task;
    }

    [Fact]
    public async Task Connect_ToEchoServer_OpensAndExchangesBytes()
    {
        using var server = new TestServer(new EchoHandler());
        var (group, loop) = StartClientLoop();
        using (group)
        {
            var greeter = new Greeter("hello over an outgoing connection"u8.ToArray());
            loop.Post(_ => loop.Connect(server.EndPoint, greeter, error => greeter.Reply.TrySetException(new Exception($"connect failed: {error}"))), null);
            Assert.Equal("hello over an outgoing connection"u8.ToArray(), await greeter.Reply.Task.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(1, loop.Stats.Connected);
            Assert.Equal(1, loop.Stats.Open);
        }
    }

    [Fact]
    public async Task Connect_NothingListening_FailsWithConnectionRefused()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var closedPort = (IPEndPoint)probe.LocalEndPoint!;   // bound, never listening: refused
        var (group, loop) = StartClientLoop();
        using (group)
        {
            Assert.Equal(ErrorCode.ConnectionRefused, await ConnectExpectingFailure(loop, closedPort, TimeSpan.FromSeconds(5)).WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(1, loop.Stats.ConnectFailures);
            Assert.Equal(0, TestServer.OnLoop(loop, l => l.RegistrationCount));
        }
    }

    [Fact]
    public async Task Connect_ToAFullBacklog_TimesOutAtTheDeadline()
    {
        using var listener = new FullBacklogListener();
        IPEndPoint remote = listener.EndPoint;
        var (group, loop) = StartClientLoop();
        using (group)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            ErrorCode error = await ConnectExpectingFailure(loop, remote, TimeSpan.FromMilliseconds(300)).WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(ErrorCode.TimedOut, error);
            Assert.InRange(watch.ElapsedMilliseconds, 250, 3000);
            Assert.Equal(0, TestServer.OnLoop(loop, l => l.RegistrationCount));
        }
    }

    [Fact]
    public async Task Connect_FromSourceAddress_UsesIt()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var (group, loop) = StartClientLoop();
        using (group)
        {
            var greeter = new Greeter([42]);
            var source = IPAddress.Parse("127.0.0.3");
            loop.Post(_ => loop.Connect((IPEndPoint)listener.LocalEndPoint!, greeter, _ => { }, source), null);
            using Socket accepted = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(source, ((IPEndPoint)accepted.RemoteEndPoint!).Address);
        }
    }
}
