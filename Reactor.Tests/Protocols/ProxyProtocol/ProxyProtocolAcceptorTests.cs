using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Reactor.Protocols;
using Reactor.Protocols.Proxy;
using Reactor.Protocols.ProxyProtocol;
using Reactor.Tests.Infrastructure;
using Reactor.Tests.Protocols.Proxy;
using Xunit;

namespace Reactor.Tests.Protocols.ProxyProtocol;

/// <summary>A listener that accepts PROXY headers, fed by hand-written headers and by reactor proxy --send-proxy.</summary>
public class ProxyProtocolAcceptorTests
{
    /// <summary>An echo handler that records the addresses the connection had when it opened.</summary>
    private sealed class AddressRecorder : IConnectionHandler
    {
        public IPEndPoint? Remote, Local;
        public void OnOpen(Connection c)
        {
            Volatile.Write(ref Local, c.LocalEndPoint);
            Volatile.Write(ref Remote, c.RemoteEndPoint);
        }
        public int OnData(Connection c, Span<byte> data)
        {
            c.Send(data);
            return data.Length;
        }
        public void OnClose(Connection c, CloseReason reason) { }
    }

    [Theory]
    [InlineData("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n")]
    [InlineData("PROXY TCP6 2001:db8::1 2001:db8::2 56324 443\r\n")]
    public async Task Accept_HeaderThenData_HandlerSeesTheClientsAddressAndOnlyTheData(string header)
    {
        var recorder = new AddressRecorder();
        var opened = new RecordingHandler(recorder);
        using var server = new TestServer(_ => new ProxyProtocolAcceptor(opened), o => o.LoopCount = 1);
        using Socket s = await server.ConnectAsync();
        // Header and data in one segment, as senders do: the data after it must not be lost.
        await s.SendAllAsync(System.Text.Encoding.ASCII.GetBytes(header + "hello"));
        Assert.Equal("hello"u8.ToArray(), await s.ReceiveExactlyAsync(5).WaitAsync(TimeSpan.FromSeconds(10)));
        string[] fields = header.TrimEnd().Split(' ');
        Assert.Equal(new IPEndPoint(IPAddress.Parse(fields[2]), int.Parse(fields[4])), Volatile.Read(ref recorder.Remote));
        Assert.Equal(new IPEndPoint(IPAddress.Parse(fields[3]), int.Parse(fields[5])), Volatile.Read(ref recorder.Local));
    }

    [Fact]
    public async Task Accept_HeaderArrivesByteByByte_StillParsed()
    {
        var recorder = new AddressRecorder();
        using var server = new TestServer(_ => new ProxyProtocolAcceptor(recorder), o => o.LoopCount = 1);
        using Socket s = await server.ConnectAsync();
        var header = new byte[ProxyHeader.MaxWrittenLength];
        int n = ProxyHeader.Write(ProxyProtocolVersion.V2, IPEndPoint.Parse("10.0.0.9:4000"), IPEndPoint.Parse("10.0.0.1:80"), header);
        for (int i = 0; i < n; i++)
        {
            await s.SendAllAsync(header.AsMemory(i, 1));
            await Task.Delay(2);   // separate segments, so the parser meets every partial header
        }
        await s.SendAllAsync("x"u8.ToArray());
        Assert.Equal("x"u8.ToArray(), await s.ReceiveExactlyAsync(1).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(IPEndPoint.Parse("10.0.0.9:4000"), Volatile.Read(ref recorder.Remote));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n", false)]                     // missing
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", false)]            // malformed
    [InlineData("PROXY TCP4 1.2.3.4 5.6", true)]                        // truncated: the client ends its stream
    public async Task Accept_BadHeader_ClosedAndTheHandlerNeverOpened(string bytes, bool thenShutdown)
    {
        var inner = new RecordingHandler(new EchoHandler());
        using var server = new TestServer(c => new ProxyProtocolAcceptor(inner), o => o.LoopCount = 1);
        using Socket s = await server.ConnectAsync();
        await s.SendAllAsync(System.Text.Encoding.ASCII.GetBytes(bytes));
        if (thenShutdown) s.Shutdown(SocketShutdown.Send);
        // Closed: EOF or a reset (it was aborted with unread input); nothing echoed either way.
        long echoed = 0;
        try { echoed = await s.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)); }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset) { }
        Assert.Equal(0, echoed);
        Assert.Equal(0, inner.Opened);
        TestServer.WaitUntil(() => TestServer.OnLoop(server.Group.Loops[0], l => l.Stats.Closed(CloseReason.ProtocolError)) == 1, "the close counted as a protocol error");
    }

    [Theory]
    [InlineData(ProxyProtocolVersion.V1)]
    [InlineData(ProxyProtocolVersion.V2)]
    public async Task SendProxy_ReactorProxyInFront_BackendSeesTheRealClientAddress(ProxyProtocolVersion version)
    {
        var recorder = new AddressRecorder();
        using var backend = new TestServer(_ => new ProxyProtocolAcceptor(recorder), o => o.LoopCount = 1);
        var options = new ProxyOptions { Backends = [new Backend(backend.EndPoint)], CheckInterval = TimeSpan.Zero, SendProxy = version };
        var (proxy, _) = ProxyFixture.Start(options);
        using (proxy)
        {
            using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            s.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.7"), 0));
            await s.ConnectAsync(proxy.EndPoint);
            Assert.Equal("ping"u8.ToArray(), await s.EchoAsync("ping"u8.ToArray()).WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(s.LocalEndPoint, Volatile.Read(ref recorder.Remote));
            Assert.Equal(proxy.EndPoint, Volatile.Read(ref recorder.Local));
        }
    }

    [Fact]
    public async Task AcceptAndSendProxy_ChainedProxies_BackendSeesTheAddressFromTheFirstHeader()
    {
        // A client behind another balancer: reactor proxy --accept-proxy --send-proxy v2. The bytes
        // after the header arrive with it, before the backend connection exists, and must wait.
        var recorder = new AddressRecorder();
        using var backend = new TestServer(_ => new ProxyProtocolAcceptor(recorder), o => o.LoopCount = 1);
        var balancer = new LoadBalancer(new ProxyOptions
        {
            Backends = [new Backend(backend.EndPoint)],
            CheckInterval = TimeSpan.Zero,
            SendProxy = ProxyProtocolVersion.V2,
        });
        using (var proxy = new TestServer(c => new ProxyProtocolAcceptor(new ProxySession(balancer, c)), o => o.LoopCount = 1))
        {
            using Socket s = await proxy.ConnectAsync();
            await s.SendAllAsync("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nping"u8.ToArray());
            Assert.Equal("ping"u8.ToArray(), await s.ReceiveExactlyAsync(4).WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(IPEndPoint.Parse("192.168.0.1:56324"), Volatile.Read(ref recorder.Remote));
            Assert.Equal(IPEndPoint.Parse("192.168.0.11:443"), Volatile.Read(ref recorder.Local));
        }
    }
}
