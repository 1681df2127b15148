using System;
using System.Linq;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.EndToEnd;

/// <summary><c>reactor proxy</c>, the published native binary, in front of native echo servers.</summary>
public class ProxyCommandTests
{
    [Fact]
    public async Task Proxy_TwoEchoBackends_EchoesThroughAndStatsCountEachBackend()
    {
        using var a = new NativeServer(["echo", "--threads", "1"]);
        using var b = new NativeServer(["echo", "--threads", "1"]);
        using var proxy = new NativeServer(["proxy", "--threads", "1", "--stats", "--check-interval", "100ms",
            "--backend", $"127.0.0.1:{a.Port}", "--backend", $"127.0.0.1:{b.Port},weight=2"]);
        await proxy.AssertEchoesAsync(connections: 10, bytes: 256 << 10);

        string[] Lines() => proxy.StderrLines.Reverse().Where(l => l.StartsWith("backend ")).Take(2).Reverse().ToArray();
        TestServer.WaitUntil(() => Lines().Length == 2 && Lines().Sum(l => NativeServer.Stat(l, "total")) == 10, "--stats lines with 10 clients in total");
        string[] lines = Lines();
        Assert.StartsWith($"backend 0 127.0.0.1:{a.Port}: up weight 1 active 0 total 5 ", lines[0]);
        Assert.StartsWith($"backend 1 127.0.0.1:{b.Port}: up weight 2 active 0 total 5 ", lines[1]);
        Assert.Equal(5L * (256 << 10), NativeServer.Stat(lines[0], "to-backend"));
        Assert.Equal(5L * (256 << 10), NativeServer.Stat(lines[1], "from-backend"));
        Assert.Equal(0, proxy.Terminate());
    }

    [Theory]
    [InlineData("--balance", "fastest", "--balance must be")]
    [InlineData("--backend", "127.0.0.1", "--backend must be ADDR:PORT")]
    [InlineData("--backend", "127.0.0.1:80,weight=0", "weight=N")]
    [InlineData("--retries", "-1", "--retries")]
    public void Proxy_BadFlag_ExitTwoNamingIt(string flag, string value, string message)
    {
        var (code, _, stderr) = NativeBinary.Run("proxy", "--backend", "127.0.0.1:9", flag, value);
        Assert.Equal(2, code);
        Assert.Contains(message, stderr);
    }

    [Fact]
    public void Proxy_NoBackendOrListenWithPort_ExitTwo()
    {
        var (code, _, stderr) = NativeBinary.Run("proxy", "--listen", "127.0.0.1:0");
        Assert.Equal(2, code);
        Assert.Contains("--backend ADDR:PORT is required", stderr);
        (code, _, stderr) = NativeBinary.Run("proxy", "--listen", "127.0.0.1:0", "--port", "0", "--backend", "127.0.0.1:9");
        Assert.Equal(2, code);
        Assert.Contains("not both", stderr);
    }
}
