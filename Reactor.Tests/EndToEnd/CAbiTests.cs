using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Linq;
using System.Text.RegularExpressions;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.EndToEnd;

/// <summary>
/// The C ABI from real C programs that ./build.sh links against artifacts/lib/libreactor.a with
/// the flags of reactor.ldflags (-lreactor and system libraries): the C test of every export, a
/// program that defines the runtime's own names, and the C example server.
/// </summary>
public class CAbiTests
{
    [Theory]
    [InlineData("c_api_test")]          // linked with libreactor.a and reactor.ldflags
    [InlineData("c_api_test_shared")]   // linked with -L artifacts/lib/shared -lreactor (libreactor.so)
    [InlineData("c_api_v2_test")]       // the calls ABI version 2 added
    [InlineData("c_api_v2_test_shared")]
    public void CApiTest_EveryExportAndErrorPath_Passes(string program)
    {
        var (code, stdout, stderr) = NativeBinary.RunProgram(NativeBinary.Artifact(program), [], timeoutMs: 60_000);
        Assert.True(code == 0, $"{program} exited {code}\n{stdout}\n{stderr}");
        Assert.Matches(@"\n\d{2,} checks, 0 failed\n", stdout);
    }

    [Fact]
    public void StaticLibrary_GlobalSymbols_OnlyTheCallsOfReactorH()
    {
        string header = File.ReadAllText(Path.Combine(NativeBinary.RepoRoot, "artifacts", "include", "reactor.h"));
        string[] declared = Regex.Matches(header, @"\b(reactor_[a-z_]+)\(").Select(m => m.Groups[1].Value).Distinct().Order().ToArray();
        var (code, stdout, stderr) = NativeBinary.RunProgram("nm", ["-g", "--defined-only", Path.Combine(NativeBinary.RepoRoot, "artifacts", "lib", "libreactor.a")]);
        Assert.True(code == 0, $"nm (binutils, installed with gcc) failed: {stderr}");
        // "0000000000001234 T reactor_send"; the archive member's header line has no type letter.
        string[] defined = stdout.Split('\n').Select(l => l.Split(' ')).Where(f => f.Length == 3).Select(f => f[2]).Order().ToArray();
        Assert.Equal(declared, defined);
    }

    [Fact]
    public void SymbolClashTest_ProgramDefiningRuntimeNames_LinksAndRuns()
    {
        // Built by ./build.sh against libreactor.a; with the runtime's symbols global it would not link.
        var (code, stdout, stderr) = NativeBinary.RunProgram(NativeBinary.Artifact("symbol_clash_test"), [], timeoutMs: 30_000);
        Assert.True(code == 0, $"symbol_clash_test exited {code}\n{stdout}\n{stderr}");
        Assert.StartsWith("ok:", stdout);
    }

    [Fact]
    public async Task CExample_Echo_EchoesEveryByteAndExitsZeroOnSigterm()
    {
        using var server = new NativeServer(["--threads", "2"], executable: NativeBinary.Artifact("echo_server"));
        await server.AssertEchoesAsync(connections: 16, bytes: 2 << 20);
        Assert.Equal(0, server.Terminate());
    }

    [Fact]
    public async Task CExample_Upper_UpperCases()
    {
        using var server = new NativeServer(["--upper", "--threads", "1"], executable: NativeBinary.Artifact("echo_server"));
        using (Socket s = await server.ConnectAsync())
        {
            Assert.Equal("HELLO, C-ABI 42!"u8.ToArray(), await s.EchoAsync("hello, c-abi 42!"u8.ToArray()));
        }
        Assert.Equal(0, server.Terminate());
    }

    [Fact]
    public void CExample_ReconnectClient_BacksOffReconnectsAndSaysByeOnSigterm()
    {
        // Bound but not listening: connects are refused until Listen.
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)server.LocalEndPoint!).Port;
        var info = new ProcessStartInfo(NativeBinary.Artifact("reconnect_client")) { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string a in new[] { "--port", port.ToString(), "--interval", "20" }) info.ArgumentList.Add(a);
        using Process client = Process.Start(info)!;
        var lines = new ConcurrentQueue<string>();
        Task pump = Task.Run(() =>
        {
            string? line;
            while ((line = client.StandardOutput.ReadLine()) is not null) lines.Enqueue(line);
        });
        try
        {
            string refused = $"connect to 127.0.0.1:{port} failed: connection refused; retrying in";
            TestServer.WaitUntil(() => lines.Contains($"{refused} 400 ms"), "three refused connects");
            Assert.Equal([$"{refused} 100 ms", $"{refused} 200 ms", $"{refused} 400 ms"], lines.Take(3));

            server.Listen();
            using (Socket first = server.Accept())
            {
                Assert.Equal("ping 1\nping 2\n", ReadLines(first, 2));
                first.Send("ping 1\nping 2\n"u8);
                TestServer.WaitUntil(() => lines.Contains("reply: ping 2"), "the replies printed");
                Assert.Contains(lines, l => l.StartsWith($"connected to 127.0.0.1:{port} from 127.0.0.1:"));
            }
            // The backoff starts over after a connection that worked.
            TestServer.WaitUntil(() => lines.Any(l => l.StartsWith("connection closed") && l.EndsWith("retrying in 100 ms")), "the close noticed");
            using Socket second = server.Accept();
            Assert.Equal("ping 1\n", ReadLines(second, 1));   // a new session counts from 1

            NativeServer.SendSigterm(client.Id);
            Assert.Contains("bye\n", ReadToEnd(second));
            Assert.True(client.WaitForExit(10_000), "reconnect_client did not exit after SIGTERM");
            Assert.Equal(0, client.ExitCode);
            pump.Wait(5000);
            Assert.Equal("stopped", lines.Last());
        }
        finally
        {
            if (!client.HasExited) client.Kill();
        }
    }

    /// <summary>Reads until <paramref name="count"/> newlines arrived.</summary>
    private static string ReadLines(Socket s, int count)
    {
        var text = new StringBuilder();
        var buffer = new byte[256];
        s.ReceiveTimeout = 10_000;
        while (text.ToString().Count(c => c == '\n') < count)
        {
            int n = s.Receive(buffer);
            if (n == 0) break;
            text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        return text.ToString();
    }

    private static string ReadToEnd(Socket s)
    {
        var text = new StringBuilder();
        var buffer = new byte[256];
        s.ReceiveTimeout = 10_000;
        int n;
        while ((n = s.Receive(buffer)) > 0) text.Append(Encoding.ASCII.GetString(buffer, 0, n));
        return text.ToString();
    }

    [Fact]
    public void CExample_PortInUse_PrintsOneLineAndExitsOne()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen();
        int port = ((IPEndPoint)taken.LocalEndPoint!).Port;
        var (code, _, stderr) = NativeBinary.RunProgram(NativeBinary.Artifact("echo_server"), ["--port", port.ToString()]);
        Assert.Equal(1, code);
        Assert.Equal($"echo_server: bind 127.0.0.1:{port}: Address already in use\n", stderr);
    }
}
