using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.EndToEnd;

/// <summary>
/// The socket option flags of the native binary: the values the kernel changed are printed as in
/// effect, and the server's own sockets, seen through the kernel's socket diagnostics, have them.
/// </summary>
public class NativeSocketOptionsTests
{
    private static readonly int RmemMax = SocketOption.Sysctl("net/core/rmem_max");
    private static readonly int Somaxconn = SocketOption.Sysctl("net/core/somaxconn");

    private static void WaitForLine(NativeServer server, string line) =>
        TestServer.WaitUntil(() => server.StderrLines.Contains(line), $"stderr line '{line}' (have: {string.Join(" | ", server.StderrLines)})");

    [Fact]
    public async Task Echo_SocketFlags_ClampedValuesPrintedAndTheKernelShowsThemOnItsSockets()
    {
        using var server = new NativeServer(["echo", "--threads", "1", "--rcvbuf", "1G", "--sndbuf", "100000", "--backlog", "1048576",
            "--keepalive", "45s,5s,3", "--nodelay", "off"]);
        WaitForLine(server, $"reactor echo: --rcvbuf 1G: {2 * RmemMax} bytes in effect (net.core.rmem_max caps it)");
        WaitForLine(server, "reactor echo: --sndbuf 100000: 200000 bytes in effect (the kernel doubles it for its bookkeeping)");
        WaitForLine(server, $"reactor echo: --backlog 1048576: {Somaxconn} in effect (net.core.somaxconn caps it)");
        // Taken as asked: no line.
        Assert.DoesNotContain(server.StderrLines, l => l.Contains("--keepalive") || l.Contains("--nodelay"));

        var listening = new IPEndPoint(IPAddress.Loopback, server.Port);
        Assert.Equal(Somaxconn, TcpTable.Read(TcpTable.Listen).Single(e => e.Local.Equals(listening)).TxQueue);

        using Socket client = await server.ConnectAsync();
        Assert.Equal("x"u8.ToArray(), await client.EchoAsync("x"u8.ToArray()));
        // The accepted socket inherited keep-alive from the listener: its keep-alive timer runs, due within 45 s.
        TcpTable.Entry accepted = TcpTable.Read(TcpTable.Established).Single(e => e.Local.Equals(listening) && e.Remote.Equals(client.LocalEndPoint));
        Assert.True(accepted.Timer == 2 && accepted.TimerMs is > 30_000 and <= 45_000, $"timer {accepted.Timer}, due in {accepted.TimerMs} ms");
    }

    [Fact]
    public async Task Proxy_KeepAlive_SetOnTheBackendConnection()
    {
        using var backend = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        backend.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        backend.Listen();
        var backendEndPoint = (IPEndPoint)backend.LocalEndPoint!;
        using var proxy = new NativeServer(["proxy", "--threads", "1", "--backend", $"127.0.0.1:{backendEndPoint.Port}", "--check-interval", "0s",
            "--keepalive", "50s"]);
        using Socket client = await proxy.ConnectAsync();
        using Socket fromProxy = await backend.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(10));
        // The proxy's end of its backend connection: the peer of the socket the backend accepted.
        TcpTable.Entry outgoing = TcpTable.Read(TcpTable.Established).Single(e => e.Local.Equals(fromProxy.RemoteEndPoint) && e.Remote.Equals(backendEndPoint));
        Assert.True(outgoing.Timer == 2 && outgoing.TimerMs is > 35_000 and <= 50_000, $"timer {outgoing.Timer}, due in {outgoing.TimerMs} ms");
    }

    [Fact]
    public void UdpEcho_Rcvbuf_CappedValuePrinted()
    {
        using var server = new NativeServer(["udp-echo", "--threads", "1", "--rcvbuf", "1G", "--sndbuf", "64KiB"]);
        WaitForLine(server, $"reactor udp-echo: --rcvbuf 1G: {2 * RmemMax} bytes in effect (net.core.rmem_max caps it)");
        WaitForLine(server, "reactor udp-echo: --sndbuf 64KiB: 131072 bytes in effect (the kernel doubles it for its bookkeeping)");
    }

    [Fact]
    public void BenchEcho_Rcvbuf_CappedValueOfItsConnectionsPrinted()
    {
        using var server = new NativeServer(["echo", "--threads", "1"]);
        var (code, _, stderr) = NativeBinary.RunProgram(NativeBinary.Path_, ["bench", "echo", "--port", server.Port.ToString(CultureInfo.InvariantCulture),
            "--connections", "2", "--threads", "1", "--duration", "500ms", "--warmup", "0s", "--rcvbuf", "1G", "--nodelay", "off", "--json"], timeoutMs: 30_000);
        Assert.True(code == 0, stderr);
        Assert.Contains($"reactor bench: --rcvbuf 1G: {2 * RmemMax} bytes in effect (net.core.rmem_max caps it)\n", stderr);
        Assert.DoesNotContain("--nodelay", stderr);
    }
}
