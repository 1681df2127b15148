using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.EndToEnd;

/// <summary><c>reactor bench echo</c>, the published binary, against published servers over loopback.</summary>
public class BenchCommandTests
{
    private static (int Code, JsonElement Result, string Stderr) Bench(int port, params string[] flags)
    {
        string[] args = ["bench", "echo", "--port", port.ToString(CultureInfo.InvariantCulture), "--json", .. flags];
        var (code, stdout, stderr) = NativeBinary.RunProgram(NativeBinary.Path_, args, timeoutMs: 60_000);
        Assert.True(stdout.Length > 0, $"no output; exit {code}; stderr: {stderr}");
        return (code, JsonDocument.Parse(stdout).RootElement, stderr);
    }

    [Theory]
    [InlineData(100, 1, 64)]
    [InlineData(100, 16, 64)]
    [InlineData(20, 4, 100_000)]
    public void Echo_EveryByteVerified_ReportsThroughputAndLatency(int connections, int pipeline, int size)
    {
        using var server = new NativeServer(["echo", "--threads", "1"]);
        var (code, r, stderr) = Bench(server.Port, "--connections", $"{connections}", "--pipeline", $"{pipeline}", "--size", $"{size}",
            "--duration", "1s", "--warmup", "300ms", "--threads", "1");
        Assert.True(code == 0, $"exit {code}: {r} {stderr}");
        Assert.Equal(connections, r.GetProperty("open").GetInt32());
        Assert.Equal(0, r.GetProperty("mismatches").GetInt64());
        Assert.Equal(0, r.GetProperty("errors").GetInt64());
        Assert.Equal(0, r.GetProperty("connect_failures").GetInt64());
        long messages = r.GetProperty("messages").GetInt64();
        Assert.True(messages > connections, $"only {messages} messages echoed");
        Assert.Equal(messages / 1.0, r.GetProperty("messages_per_second").GetDouble(), 1.0);   // a 1 s window
        long p50 = r.GetProperty("p50_us").GetInt64(), p99 = r.GetProperty("p99_us").GetInt64(), max = r.GetProperty("max_us").GetInt64();
        Assert.True(0 < p50 && p50 <= p99 && p99 <= max, $"percentiles out of order: {r}");
        Assert.Equal(0, server.Terminate());
    }

    [Fact]
    public void IPv6Server_AllConnectionsOpenAndVerified()
    {
        using var server = new NativeServer(["echo", "--bind", "::1", "--threads", "1"]);
        var (code, r, stderr) = Bench(server.Port, "--host", "::1", "--connections", "20", "--duration", "500ms", "--warmup", "0s");
        Assert.True(code == 0, $"exit {code}: {r} {stderr}");
        Assert.Equal(20, r.GetProperty("open").GetInt32());
        Assert.True(r.GetProperty("messages").GetInt64() > 20, r.ToString());
        Assert.Equal(0, server.Terminate());
    }

    [Fact]
    public void UpperServer_RewritesBytes_MismatchesCountedAndExitOne()
    {
        using var server = new NativeServer(["upper", "--threads", "1"]);
        var (code, r, _) = Bench(server.Port, "--connections", "4", "--duration", "500ms", "--warmup", "0s");
        Assert.Equal(1, code);
        // The pattern holds all 26 lower-case letters in every 251 bytes.
        Assert.True(r.GetProperty("mismatches").GetInt64() > 0, r.ToString());
        Assert.Equal(0, server.Terminate());
    }

    [Fact]
    public void NothingListening_ConnectFailuresCountedWithTheReason()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        var (code, r, stderr) = Bench(port, "--connections", "10", "--duration", "500ms", "--warmup", "0s");
        Assert.Equal(1, code);
        Assert.Equal(10, r.GetProperty("connect_failures").GetInt64());
        Assert.Equal(0, r.GetProperty("open").GetInt64());
        Assert.Contains($"10 of 10 connects to 127.0.0.1:{port} failed, the first with: Connection refused", stderr);
    }

    [Fact]
    public void OutOfFds_UlimitN64_ConnectFailuresCountedRestKeepWorking()
    {
        using var server = new NativeServer(["echo", "--threads", "1"]);
        // Every connect beyond the fd limit fails at once (EMFILE): none may take the run down.
        var (code, stdout, stderr) = NativeBinary.RunProgram("/bin/sh",
            ["-c", "ulimit -n 64 && exec \"$0\" \"$@\"", NativeBinary.Path_, "bench", "echo", "--port", $"{server.Port}",
             "--connections", "5000", "--duration", "1s", "--warmup", "0s", "--json"], timeoutMs: 30_000);
        JsonElement r = JsonDocument.Parse(stdout).RootElement;
        Assert.Equal(1, code);
        long open = r.GetProperty("open").GetInt64();
        Assert.InRange(open, 30, 64);
        Assert.Equal(5000 - open, r.GetProperty("connect_failures").GetInt64());
        Assert.Equal(0, r.GetProperty("mismatches").GetInt64());
        Assert.Equal(0, r.GetProperty("errors").GetInt64());
        Assert.True(r.GetProperty("messages").GetInt64() > 1000, r.ToString());
        Assert.Contains("the first with: Too many open files", stderr);
        Assert.Equal(0, server.Terminate());
    }

    [Fact]
    public void ServerKilledMidRun_ErrorsCountedAndRunEndsOnTime()
    {
        var server = new NativeServer(["echo", "--threads", "1"]);
        int port = server.Port;
        int fdsBefore = server.OpenFds();
        var killer = Task.Run(() =>
        {
            // Mid-run: as soon as the server has accepted all 50 connections (the run lasts 2 s).
            try { TestServer.WaitUntil(() => server.OpenFds() >= fdsBefore + 50, "server accepted the bench's 50 connections"); }
            finally { Kill9(server.Pid); }
        });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (code, r, _) = Bench(port, "--connections", "50", "--duration", "2s", "--warmup", "0s");
        killer.Wait();
        server.Dispose();
        Assert.Equal(1, code);
        Assert.Equal(50, r.GetProperty("errors").GetInt64());
        Assert.Equal(0, r.GetProperty("open").GetInt64());
        Assert.Equal(0, r.GetProperty("mismatches").GetInt64());
        Assert.InRange(watch.Elapsed.TotalSeconds, 1.9, 10);
    }

    [Fact]
    public void TenThousandConnections_FromFourSourceAddresses_AllOpenAndVerified()
    {
        using var server = new NativeServer(["echo", "--threads", "2"]);
        // The server's peers (remote address:port), gathered until all are seen or the run ends. A
        // dump can repeat or miss entries while other tests open and close sockets: a set over
        // many dumps counts each peer once.
        var peers = new HashSet<IPEndPoint>();
        using var done = new CancellationTokenSource();
        var watcher = Task.Factory.StartNew(() => TestServer.WaitUntil(() =>
        {
            peers.UnionWith(ServerSidePeers(server.Port));
            return peers.Count == 10_000 || done.IsCancellationRequested;
        }, "the run to end or every peer to be seen", seconds: 60), TaskCreationOptions.LongRunning);
        // Connects finish during the warm-up: 5 s leaves room for a loaded machine. The 6 s run leaves
        // the watcher room too: on a 2-core machine under load (a load average of 14) its dumps took
        // so long that 320 peers were still unseen when a 2 s run ended and closed them.
        var (code, r, stderr) = Bench(server.Port, "--connections", "10000", "--sources", "4", "--duration", "6s", "--warmup", "5s");
        done.Cancel();
        watcher.Wait();
        Assert.Equal(10_000, peers.Count);
        Assert.True(code == 0, $"exit {code}: {r} {stderr}");
        Assert.Equal(10_000, r.GetProperty("open").GetInt32());
        Assert.Equal(0, r.GetProperty("mismatches").GetInt64());
        Assert.Equal(0, r.GetProperty("errors").GetInt64());
        Assert.True(r.GetProperty("messages").GetInt64() >= 10_000, r.ToString());
        Assert.Equal(["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"], new SortedSet<string>(peers.Select(p => p.Address.ToString())));
        Assert.Equal(0, server.Terminate(20));
    }

    [Fact]
    public void OnATerminal_PrintsAProgressLineEverySecond()
    {
        using var server = new NativeServer(["echo", "--threads", "1"]);
        // script(1) runs the command on a pseudo-terminal, as a user's shell would.
        string command = $"'{NativeBinary.Path_}' bench echo --port {server.Port} --connections 5 --duration 2s --warmup 1s --threads 1";
        var (code, output, _) = NativeBinary.RunProgram("/usr/bin/script", ["-qec", command, "/dev/null"], timeoutMs: 30_000);
        Assert.True(code == 0, $"exit {code}: {output}");
        Assert.Matches(@"\r\s+1 s  warm-up\s+[\d,]+ msg/s  open 5/5", output);
        Assert.Matches(@"\r\s+2 s  measuring\s+[\d,]+ msg/s  open 5/5  errors\+mismatches\+connect failures 0", output);
        Assert.Contains("mismatched bytes 0  errors 0  connect failures 0", output);
        Assert.Equal(0, server.Terminate());
    }

    [Fact]
    public void NotOnATerminal_NoProgressLine()
    {
        using var server = new NativeServer(["echo", "--threads", "1"]);
        var (code, _, stderr) = NativeBinary.RunProgram(NativeBinary.Path_, ["bench", "echo", "--port", $"{server.Port}", "--connections", "2", "--duration", "1500ms", "--warmup", "0s"]);
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Equal(0, server.Terminate());
    }

    [Theory]
    [InlineData("--pipeline", "0")]
    [InlineData("--size", "0")]
    [InlineData("--duration", "soon")]
    [InlineData("--sources", "300")]
    [InlineData("--host", "not-an-address")]
    public void BadFlag_UsageErrorNamingTheFlag(string flag, string value)
    {
        var (code, _, stderr) = NativeBinary.Run("bench", "echo", flag, value);
        Assert.Equal(2, code);
        Assert.Contains(flag, stderr);
    }

    [Fact]
    public void SourcesWithIPv6Host_UsageError()
    {
        var (code, _, stderr) = NativeBinary.Run("bench", "echo", "--host", "::1", "--sources", "2");
        Assert.Equal(2, code);
        Assert.Contains("--sources spreads over 127.0.0.x: it needs an IPv4 loopback --host", stderr);
    }

    [Fact]
    public void UnknownTarget_UsageError()
    {
        var (code, _, stderr) = NativeBinary.Run("bench", "http");
        Assert.Equal(2, code);
        Assert.Contains("unknown bench target 'http'", stderr);
    }

    private static void Kill9(int pid) => System.Diagnostics.Process.GetProcessById(pid).Kill();

    /// <summary>Remote ends of the established TCP sockets whose local end is 127.0.0.1:<paramref name="port"/>.</summary>
    private static IEnumerable<IPEndPoint> ServerSidePeers(int port) =>
        TcpTable.Read(TcpTable.Established).Where(e => e.Local.Equals(new IPEndPoint(IPAddress.Loopback, port))).Select(e => e.Remote);
}
