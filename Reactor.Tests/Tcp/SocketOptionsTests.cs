using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Platform;
using Reactor.Protocols;
using Reactor.Tests.Infrastructure;
using Xunit;
using static Reactor.Tests.Infrastructure.SocketOption;

namespace Reactor.Tests.Tcp;

/// <summary>
/// The socket options of <see cref="ReactorOptions"/> on real sockets: what getsockopt(2) reads on
/// the accepted, connected and UDP sockets, and the values in effect the group reports.
/// </summary>
public class SocketOptionsTests
{
    /// <summary>Serves with <paramref name="configure"/>, connects once and runs <paramref name="read"/> on the accepted connection's loop.</summary>
    private static async Task<(T Value, SocketSettings InEffect)> ReadAccepted<T>(Action<ReactorOptions> configure, Func<Connection, T> read)
    {
        var opened = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var server = new TestServer(new DelegateHandler { Open = c => opened.SetResult(read(c)) }, configure);
        using Socket client = await server.ConnectAsync();
        T value = await opened.Task.WaitAsync(TimeSpan.FromSeconds(10));
        return (value, server.Group.SocketSettings!);
    }

    [Fact]
    public async Task Serve_BufferSizes_AcceptedSocketInheritsThemDoubled()
    {
        // Well below the default net.core.rmem_max/wmem_max (208 KiB), so nothing is capped: the kernel only doubles.
        var ((receive, send), inEffect) = await ReadAccepted(o => { o.ReceiveBufferSize = 50_000; o.SendBufferSize = 40_000; },
            c => (Get(c.FileDescriptor, SOL_SOCKET, SO_RCVBUF), Get(c.FileDescriptor, SOL_SOCKET, SO_SNDBUF)));
        Assert.Equal(100_000, receive);
        Assert.Equal(80_000, send);
        Assert.Equal(100_000, inEffect.ReceiveBufferBytes);
        Assert.Equal(80_000, inEffect.SendBufferBytes);
    }

    [Fact]
    public async Task Serve_ReceiveBufferAboveRmemMax_ReportsTheCappedValueInEffect()
    {
        const int asked = 1 << 30;
        var (receive, inEffect) = await ReadAccepted(o => o.ReceiveBufferSize = asked, c => Get(c.FileDescriptor, SOL_SOCKET, SO_RCVBUF));
        Assert.Equal(receive, inEffect.ReceiveBufferBytes);
        Assert.True(inEffect.ReceiveBufferBytes < asked, $"{inEffect.ReceiveBufferBytes} in effect, {asked} asked");
        Assert.Equal(2 * Math.Min(asked, Sysctl("net/core/rmem_max")), inEffect.ReceiveBufferBytes);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Serve_NoDelay_AcceptedSocketReadsIt(bool noDelay)
    {
        var (value, inEffect) = await ReadAccepted(o => o.NoDelay = noDelay, c => Get(c.FileDescriptor, IPPROTO_TCP, TCP_NODELAY));
        Assert.Equal(noDelay, value != 0);
        Assert.Equal(noDelay, inEffect.NoDelay);
    }

    [Fact]
    public async Task Serve_KeepAlive_AcceptedSocketReadsIdleIntervalAndCount()
    {
        var (values, inEffect) = await ReadAccepted(o =>
            {
                o.KeepAliveIdle = TimeSpan.FromSeconds(33);
                o.KeepAliveInterval = TimeSpan.FromSeconds(7);
                o.KeepAliveCount = 4;
            },
            c => (Get(c.FileDescriptor, SOL_SOCKET, SO_KEEPALIVE), Get(c.FileDescriptor, IPPROTO_TCP, TCP_KEEPIDLE),
                Get(c.FileDescriptor, IPPROTO_TCP, TCP_KEEPINTVL), Get(c.FileDescriptor, IPPROTO_TCP, TCP_KEEPCNT)));
        Assert.Equal((1, 33, 7, 4), values);
        Assert.True(inEffect.KeepAlive);
        Assert.Equal((TimeSpan.FromSeconds(33), TimeSpan.FromSeconds(7), 4), (inEffect.KeepAliveIdle, inEffect.KeepAliveInterval, inEffect.KeepAliveCount));
    }

    [Fact]
    public async Task Serve_Defaults_KeepAliveOffAndBuffersLeftToTheKernel()
    {
        var (keepAlive, inEffect) = await ReadAccepted(_ => { }, c => Get(c.FileDescriptor, SOL_SOCKET, SO_KEEPALIVE));
        Assert.Equal(0, keepAlive);
        Assert.False(inEffect.KeepAlive);
        // Unset, TCP_KEEPIDLE reads the kernel's default.
        Assert.Equal(TimeSpan.FromSeconds(Sysctl("net/ipv4/tcp_keepalive_time")), inEffect.KeepAliveIdle);
        Assert.True(inEffect.ReceiveBufferBytes > 0 && inEffect.SendBufferBytes > 0);
    }

    [Fact]
    public void Serve_BacklogAboveSomaxconn_ReportsTheCap()
    {
        int somaxconn = Sysctl("net/core/somaxconn");
        using (var capped = new TestServer(new EchoHandler(), o => o.Backlog = somaxconn + 1000))
        {
            Assert.Equal(somaxconn, capped.Group.SocketSettings!.Backlog);
        }
        using var small = new TestServer(new EchoHandler(), o => o.Backlog = 16);
        Assert.Equal(16, small.Group.SocketSettings!.Backlog);
    }

    [Fact]
    public async Task Connect_SocketOptions_SetOnTheOutgoingSocket()
    {
        using var server = new TestServer(new EchoHandler());
        var options = new ReactorOptions
        {
            LoopCount = 1,
            ReceiveBufferSize = 30_000,
            SendBufferSize = 20_000,
            NoDelay = false,
            KeepAliveIdle = TimeSpan.FromSeconds(40),
        };
        using var group = new LoopGroup(options);
        group.Start();
        var opened = new TaskCompletionSource<(int, int, int, int, int, SocketSettings?)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new DelegateHandler
        {
            Open = c =>
            {
                int fd = c.FileDescriptor;
                opened.SetResult((Get(fd, SOL_SOCKET, SO_RCVBUF), Get(fd, SOL_SOCKET, SO_SNDBUF), Get(fd, IPPROTO_TCP, TCP_NODELAY),
                    Get(fd, SOL_SOCKET, SO_KEEPALIVE), Get(fd, IPPROTO_TCP, TCP_KEEPIDLE), c.ReadSocketSettings()));
                c.Close();
            },
        };
        EventLoop loop = group.Loops[0];
        loop.Post(_ => loop.Connect(server.EndPoint, handler, error => opened.TrySetException(new Exception($"connect failed: {error}"))), null);
        var (receive, send, noDelay, keepAlive, idle, settings) = await opened.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((60_000, 40_000, 0, 1, 40), (receive, send, noDelay, keepAlive, idle));
        Assert.Equal(new SocketSettings
        {
            ReceiveBufferBytes = 60_000,
            SendBufferBytes = 40_000,
            NoDelay = false,
            KeepAlive = true,
            KeepAliveIdle = TimeSpan.FromSeconds(40),
            KeepAliveInterval = TimeSpan.FromSeconds(Sysctl("net/ipv4/tcp_keepalive_intvl")),
            KeepAliveCount = Sysctl("net/ipv4/tcp_keepalive_probes"),
        }, settings);
    }

    [Fact]
    public async Task Serve_InheritedListener_AcceptedSocketsGetTheOptions()
    {
        // A listener made elsewhere (as systemd passes one) has none of the options: they are set on it.
        // Nonblocking, as SocketActivation.TakeListenFds makes inherited listeners.
        using var made = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { Blocking = false };
        made.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        made.Listen(64);
        int duplicate = Sockets.Duplicate((int)made.Handle);
        var (values, inEffect) = await ReadAccepted(o =>
            {
                o.ListenFds = [duplicate];
                o.ReceiveBufferSize = 50_000;
                o.KeepAliveIdle = TimeSpan.FromSeconds(50);
            },
            c => (Get(c.FileDescriptor, IPPROTO_TCP, TCP_NODELAY), Get(c.FileDescriptor, SOL_SOCKET, SO_RCVBUF), Get(c.FileDescriptor, IPPROTO_TCP, TCP_KEEPIDLE)));
        Assert.Equal((1, 100_000, 50), values);
        Assert.Equal(64, inEffect.Backlog);   // its creator's backlog, not ReactorOptions.Backlog
    }

    [Theory]
    [InlineData(nameof(ReactorOptions.ReceiveBufferSize), "ReceiveBufferSize is -1: it must be 0 (the kernel's default) or a number of bytes")]
    [InlineData(nameof(ReactorOptions.SendBufferSize), "SendBufferSize is -1: it must be 0 (the kernel's default) or a number of bytes")]
    [InlineData(nameof(ReactorOptions.KeepAliveIdle), "KeepAliveIdle is 00:00:01.5000000: it must be zero or whole seconds from 1 to 32767")]
    [InlineData(nameof(ReactorOptions.KeepAliveInterval), "KeepAliveInterval is 09:06:08: it must be zero or whole seconds from 1 to 32767")]
    [InlineData(nameof(ReactorOptions.KeepAliveCount), "KeepAliveCount is 128: it must be 0 (the kernel's default) to 127")]
    [InlineData("IntervalWithoutIdle", "KeepAliveInterval and KeepAliveCount need KeepAliveIdle: without it keep-alive is off")]
    public void Validate_BadSocketOption_OnePlainSentence(string setting, string message)
    {
        var options = new ReactorOptions { KeepAliveIdle = TimeSpan.FromSeconds(10) };
        switch (setting)
        {
            case nameof(ReactorOptions.ReceiveBufferSize): options.ReceiveBufferSize = -1; break;
            case nameof(ReactorOptions.SendBufferSize): options.SendBufferSize = -1; break;
            case nameof(ReactorOptions.KeepAliveIdle): options.KeepAliveIdle = TimeSpan.FromSeconds(1.5); break;
            case nameof(ReactorOptions.KeepAliveInterval): options.KeepAliveInterval = TimeSpan.FromSeconds(32768); break;
            case nameof(ReactorOptions.KeepAliveCount): options.KeepAliveCount = 128; break;
            default: options.KeepAliveIdle = TimeSpan.Zero; options.KeepAliveCount = 3; break;
        }
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => new LoopGroup(options)).Message);
    }
}
