using System;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.EndToEnd;

/// <summary>Runs the published native executable as a user would and talks to it over TCP.</summary>
public class NativeBinaryTests
{
    private static async Task<Socket> ConnectAsync(int port, IPAddress? address = null)
    {
        var s = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await s.ConnectAsync(new IPEndPoint(address ?? IPAddress.Loopback, port));
        return s;
    }

    private static void Terminate(Process p)
    {
        // SIGTERM: the server drains and exits 0.
        Assert.Equal(0, Libc_kill(p.Id, 15));
        Assert.True(p.WaitForExit(10_000), "reactor did not exit within 10 s of SIGTERM");
        Assert.Equal(0, p.ExitCode);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Libc_kill(int pid, int sig);

    [Fact]
    public async Task Echo_NativeBinary_EchoesAndExitsZeroOnSigterm()
    {
        var (p, port) = NativeBinary.StartServer("echo", "--threads", "2");
        using (p)
        {
            var data = RandomNumberGenerator.GetBytes(4 << 20);
            var sockets = new Socket[20];
            for (int i = 0; i < sockets.Length; i++) sockets[i] = await ConnectAsync(port);
            var echoes = await Task.WhenAll(Array.ConvertAll(sockets, s => s.EchoAsync(data))).WaitAsync(TimeSpan.FromSeconds(60));
            foreach (byte[] e in echoes) Assert.True(data.AsSpan().SequenceEqual(e));
            foreach (Socket s in sockets) s.Dispose();
            Terminate(p);
        }
    }

    [Fact]
    public async Task Upper_NativeBinaryIPv6_UpperCases()
    {
        var (p, port) = NativeBinary.StartServer("upper", "--bind", "::1", "--threads", "1");
        using (p)
        {
            using (Socket s = await ConnectAsync(port, IPAddress.IPv6Loopback))
            {
                Assert.Equal("ABC-123-XYZ"u8.ToArray(), await s.EchoAsync("abc-123-xyz"u8.ToArray()));
            }
            Terminate(p);
        }
    }

    [Fact]
    public void Help_ExitsZeroWithUsage()
    {
        var (code, stdout, _) = NativeBinary.Run("--help");
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
