using System;
using System.IO;
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
