using System;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.EndToEnd;

/// <summary>Runs the published native executable as a user would and talks to it over TCP.</summary>
public class NativeBinaryTests
{
    [Fact]
    public async Task Echo_NativeBinary_EchoesAndExitsZeroOnSigterm()
    {
        using var server = new NativeServer(["echo", "--threads", "2"]);
        await server.AssertEchoesAsync(connections: 20, bytes: 4 << 20);
        Assert.Equal(0, server.Terminate());
    }

    [Fact]
    public async Task Upper_NativeBinaryIPv6_UpperCases()
    {
        using var server = new NativeServer(["upper", "--bind", "::1", "--threads", "1"]);
        using (var s = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp))
        {
            await s.ConnectAsync(new IPEndPoint(IPAddress.IPv6Loopback, server.Port));
            Assert.Equal("ABC-123-XYZ"u8.ToArray(), await s.EchoAsync("abc-123-xyz"u8.ToArray()));
        }
        Assert.Equal(0, server.Terminate());
    }

    [Fact]
    public async Task Chat_NativeBinary_LineReachesTheOtherClientOnly()
    {
        using var server = new NativeServer(["chat", "--threads", "2", "--max-line", "100", "--stats"]);
        using (Socket alice = await server.ConnectAsync())
        using (Socket bob = await server.ConnectAsync())
        {
            // Each client gets its id from the first line the other one sees from it.
            await bob.SendAllAsync("hello from bob\r\n"u8.ToArray());
            string seenByAlice = Encoding.ASCII.GetString(await alice.ReceiveExactlyAsync(18).WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Matches(@"^\d: hello from bob\n$", seenByAlice);
            await alice.SendAllAsync(Encoding.ASCII.GetBytes(new string('a', 101) + "\n"));
            Assert.Equal(0L, await alice.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
            await bob.SendAllAsync("still here\n"u8.ToArray());
            bob.Shutdown(SocketShutdown.Send);
            Assert.Equal(0L, await bob.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        }
        Assert.Equal(0, server.Terminate());
        // The final --stats lines: the over-long line was one protocol-error close.
        Assert.Equal(1, new[] { 0, 1 }.Sum(loop => int.Parse(Regex.Match(server.LastStats(loop)!, @"ProtocolError=(\d+)").Groups[1].Value)));
    }

    [Theory]
    [InlineData("--help")]
    [InlineData("echo --help")]
    [InlineData("proxy --listen 127.0.0.1:1 -h")]
    public void Help_ExitsZeroWithUsage(string command)
    {
        var (code, stdout, _) = NativeBinary.Run(command.Split(' '));
        Assert.Equal(0, code);
        Assert.Contains("usage: reactor <command>", stdout);
    }

    [Fact]
    public void Version_PrintsVersion()
    {
        var (code, stdout, _) = NativeBinary.Run("--version");
        Assert.Equal(0, code);
        Assert.StartsWith("reactor 0.", stdout);
    }

    [Theory]
    [InlineData("echo --bogus", "unknown flag --bogus")]
    [InlineData("echo --threads 0", "--threads must be a whole number")]
    [InlineData("echo --max-pending lots", "--max-pending must be a size")]
    [InlineData("echo --shutdown-timeout 5", "--shutdown-timeout must be a duration")]
    [InlineData("kv --max-frame 100", "--max-frame must be a size")]
    [InlineData("echo --max-frame 1MiB", "unknown flag --max-frame")]
    [InlineData("echo --nodelay maybe", "--nodelay must be on or off, not 'maybe'")]
    [InlineData("echo --rcvbuf 12Q", "--rcvbuf must be a size such as 65536, 64KiB or 1MiB between 1 and 2147483647 bytes, not '12Q'")]
    [InlineData("echo --sndbuf 0", "--sndbuf must be a size")]
    [InlineData("echo --keepalive 1500ms", "--keepalive must be IDLE[,INTERVAL[,COUNT]] such as 60s or 60s,10s,5")]
    [InlineData("echo --keepalive 60s,10s,128", "not '60s,10s,128'")]
    [InlineData("echo --keepalive 40000s", "not '40000s'")]
    [InlineData("udp-echo --keepalive 60s", "unknown flag --keepalive")]
    [InlineData("bench echo --keepalive 60s", "unknown flag --keepalive")]
    [InlineData("echo --backend uring", "--backend is 'uring': it must be epoll or io_uring")]
    [InlineData("proxy --listen 127.0.0.1:1 --backend 127.0.0.1:2 --loop-backend kqueue", "--loop-backend is 'kqueue': it must be epoll or io_uring")]
    [InlineData("launch", "unknown command 'launch'")]
    [InlineData("", "no command given")]
    public void BadCommandLine_ExitsTwoWithUsage(string args, string message)
    {
        var (code, _, stderr) = NativeBinary.Run(args.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
        Assert.Contains("usage: reactor", stderr);
    }

    [Fact]
    public void PortInUse_ExitsOneWithOneClearLine()
    {
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        holder.Listen();
        int port = ((IPEndPoint)holder.LocalEndPoint!).Port;
        var (code, _, stderr) = NativeBinary.Run("echo", "--port", port.ToString());
        Assert.Equal(1, code);
        Assert.Equal($"reactor: bind 127.0.0.1:{port}: Address already in use", stderr.Trim());
    }

    [Fact]
    public void PrivilegedOrForeignAddress_ExitsOneWithReason()
    {
        var (code, _, stderr) = NativeBinary.Run("echo", "--bind", "192.0.2.1", "--port", "7000");
        Assert.Equal(1, code);
        Assert.Equal("reactor: bind 192.0.2.1:7000: Cannot assign requested address", stderr.Trim());
    }
}
