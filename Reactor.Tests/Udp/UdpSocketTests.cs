using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Protocols;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Udp;

public class UdpSocketTests
{
    /// <summary>A group serving UDP echo on an ephemeral port.</summary>
    private static LoopGroup ServeEcho(IPAddress address, Action<ReactorOptions>? configure = null)
    {
        var options = new ReactorOptions { BindAddress = address, Port = 0, LoopCount = 2 };
        configure?.Invoke(options);
        var group = new LoopGroup(options);
        group.ServeUdp(new UdpEchoHandler());
        return group;
    }

    private static async Task<byte[]> RoundTrip(Socket client, EndPoint server, byte[] datagram)
    {
        await client.SendToAsync(datagram, server);
        var buffer = new byte[65536];
        var received = await client.ReceiveFromAsync(buffer, new IPEndPoint(server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0))
            .WaitAsync(TimeSpan.FromSeconds(10));
        return buffer[..received.ReceivedBytes];
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1")]
    [InlineData("::1", "::1")]
    [InlineData("::", "127.0.0.1")]   // dual-stack: an IPv4 client of a "::" socket
    public async Task Echo_DatagramsOfZeroOneTypicalAndLargestSize_EchoedIntact(string bind, string client)
    {
        using LoopGroup group = ServeEcho(IPAddress.Parse(bind));
        IPAddress clientAddress = IPAddress.Parse(client);
        using var s = new Socket(clientAddress.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        var server = new IPEndPoint(clientAddress, group.LocalEndPoint!.Port);
        foreach (int size in new[] { 0, 1, 64, 1400, 65507 })
        {
            byte[] datagram = Enumerable.Range(0, size).Select(i => (byte)(i * 13 + size)).ToArray();
            byte[] echoed = await RoundTrip(s, server, datagram);
            Assert.True(datagram.AsSpan().SequenceEqual(echoed), $"{size}-byte datagram changed");
        }
        Assert.Equal(5L, group.Loops.Sum(l => TestServer.OnLoop(l, x => x.Stats.DatagramsSent)));
    }

    [Fact]
    public async Task Receive_DatagramOverMax_CountedTruncatedNeverHandedOver()
    {
        using LoopGroup group = ServeEcho(IPAddress.Loopback, o => o.MaxDatagramBytes = 100);
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var server = new IPEndPoint(IPAddress.Loopback, group.LocalEndPoint!.Port);
        await s.SendToAsync(new byte[101], server);
        byte[] fits = Enumerable.Repeat((byte)7, 100).ToArray();
        Assert.Equal(fits, await RoundTrip(s, server, fits));   // the first reply is this one: the 101-byte one was not echoed
        Assert.Equal(1L, group.Loops.Sum(l => TestServer.OnLoop(l, x => x.Stats.DatagramsTruncated)));
        Assert.Equal(1L, group.Loops.Sum(l => TestServer.OnLoop(l, x => x.Stats.DatagramsReceived)));
    }

    [Fact]
    public void Batching_ThirtyOneDatagramsInOneIteration_OneRecvmmsgAndOneSendmmsg()
    {
        using var loop = new EventLoop(0, new ReactorOptions());
        UdpSocket socket = UdpSocket.Open(loop, new IPEndPoint(IPAddress.Loopback, 0), new UdpEchoHandler());
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        client.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        // On loopback sendto(2) has queued the datagram at the receiver when it returns.
        for (int i = 0; i < 31; i++) client.SendTo(BitConverter.GetBytes(i), socket.LocalEndPoint);
        loop.RunOnce(0);
        Assert.Equal(31L, loop.Stats.DatagramsReceived);
        Assert.Equal(31L, loop.Stats.DatagramsSent);
        Assert.Equal(2L, loop.Stats.DatagramSyscalls);
        var buffer = new byte[16];
        for (int i = 0; i < 31; i++)
        {
            int n = client.Receive(buffer);
            Assert.Equal(i, BitConverter.ToInt32(buffer, 0));
            Assert.Equal(4, n);
        }
        socket.Close();
    }

    [Fact]
    public void ConnectedSocket_PeerPortClosed_IcmpErrorCountedAndSocketStaysUsable()
    {
        using var loop = new EventLoop(0, new ReactorOptions());
        int closedPort;
        using (var gone = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
        {
            gone.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            closedPort = ((IPEndPoint)gone.LocalEndPoint!).Port;
        }
        UdpSocket socket = UdpSocket.Open(loop, new IPEndPoint(IPAddress.Loopback, 0), new UdpEchoHandler(), new IPEndPoint(IPAddress.Loopback, closedPort));
        Assert.True(socket.Send("anyone?"u8));
        DateTime deadline = DateTime.UtcNow.AddSeconds(10);
        while (loop.Stats.DatagramErrors == 0 && DateTime.UtcNow < deadline) loop.RunOnce(10);
        Assert.Equal(1L, loop.Stats.DatagramErrors);
        Assert.True(socket.IsOpen);
        // Still usable: a second send goes out (and earns a second ICMP error).
        Assert.True(socket.Send("still here"u8));
        while (loop.Stats.DatagramErrors == 1 && DateTime.UtcNow < deadline) loop.RunOnce(10);
        Assert.Equal(2L, loop.Stats.DatagramsSent);
        socket.Close();
    }

    [Fact]
    public void ServeUdp_PortTakenByAnotherUdpSocket_AddressInUse()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        using var group = new LoopGroup(new ReactorOptions { Port = ((IPEndPoint)holder.LocalEndPoint!).Port, LoopCount = 1 });
        var e = Assert.Throws<ReactorException>(() => group.ServeUdp(new UdpEchoHandler()));
        Assert.Equal(ErrorCode.AddressInUse, e.Error);
    }

    [Fact]
    public async Task OpenUdp_OnRunningGroup_EverySocketOnItsOwnLoopAndEchoes()
    {
        using var group = new LoopGroup(new ReactorOptions { LoopCount = 2 });
        group.Start();
        UdpSocket[] sockets = group.OpenUdp(new IPEndPoint(IPAddress.Loopback, 0), new UdpEchoHandler());
        Assert.Equal(group.Loops, sockets.Select(s => s.Loop));
        Assert.Equal(sockets[0].LocalEndPoint, sockets[1].LocalEndPoint);   // port 0: the second loop joined the first's port
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        Assert.Equal("ping"u8.ToArray(), await RoundTrip(client, sockets[0].LocalEndPoint, "ping"u8.ToArray()));

        // The same port again while these hold it: refused, and nothing left open on either loop.
        int before = group.Loops.Sum(l => TestServer.OnLoop(l, x => x.RegistrationCount));
        var e = Assert.Throws<ReactorException>(() => group.OpenUdp(sockets[0].LocalEndPoint, new UdpEchoHandler()));
        Assert.Equal(ErrorCode.AddressInUse, e.Error);
        Assert.Equal(before, group.Loops.Sum(l => TestServer.OnLoop(l, x => x.RegistrationCount)));
    }

    [Fact]
    public void Open_BufferSizes_SetOnTheSocketAndTheCappedOneReportedInEffect()
    {
        var options = new ReactorOptions { ReceiveBufferSize = 1 << 30, SendBufferSize = 50_000 };
        using var loop = new EventLoop(0, options);
        UdpSocket socket = UdpSocket.Open(loop, new IPEndPoint(IPAddress.Loopback, 0), new UdpEchoHandler());
        Assert.Equal(2 * SocketOption.Sysctl("net/core/rmem_max"), SocketOption.Get(socket.Fd, SocketOption.SOL_SOCKET, SocketOption.SO_RCVBUF));
        Assert.Equal(100_000, SocketOption.Get(socket.Fd, SocketOption.SOL_SOCKET, SocketOption.SO_SNDBUF));
        socket.Close();

        using LoopGroup group = ServeEcho(IPAddress.Loopback, o => { o.ReceiveBufferSize = 1 << 30; o.SendBufferSize = 50_000; });
        Assert.Equal(new SocketSettings { ReceiveBufferBytes = 2 * SocketOption.Sysctl("net/core/rmem_max"), SendBufferBytes = 100_000 }, group.SocketSettings);
    }
}
