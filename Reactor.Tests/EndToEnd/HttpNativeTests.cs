using System;
using System.IO;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.EndToEnd;

/// <summary><c>reactor http</c>, the published native binary, driven by the clients users have: curl and wrk.</summary>
public partial class HttpNativeTests
{
    private static (int ExitCode, string Stdout, string Stderr) Curl(params string[] args) =>
        NativeBinary.RunProgram(Tools.Require("curl", "curl"), ["-sS", "--max-time", "10", .. args], timeoutMs: 20_000);

    [Fact]
    public void Curl_BuiltInRoutes_AnswerAsDocumented()
    {
        using var server = new NativeServer(["http", "--threads", "1"]);
        string url = $"http://127.0.0.1:{server.Port}";
        Assert.Equal("Hello, World!", Curl($"{url}/plaintext").Stdout);
        Assert.Equal("""{"message":"Hello, World!"}""", Curl($"{url}/json").Stdout);
        var head = Curl("-I", $"{url}/plaintext");
        Assert.Matches(@"^HTTP/1\.1 200 OK\r\n", head.Stdout);
        Assert.Contains("Content-Length: 13\r\n", head.Stdout);
        Assert.Contains("Host: 127.0.0.1:", Curl($"{url}/echo").Stdout);
        Assert.Equal("404", Curl("-o", "/dev/null", "-w", "%{http_code}", $"{url}/missing").Stdout);
        Assert.Equal("405", Curl("-o", "/dev/null", "-w", "%{http_code}", "-X", "DELETE", $"{url}/json").Stdout);
    }

    [Fact]
    public void Curl_EchoLargeBodyChunkedAndByLength_BytesComeBackUnchanged()
    {
        using var server = new NativeServer(["http", "--threads", "1"]);
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, System.Security.Cryptography.RandomNumberGenerator.GetBytes(700_000));
            string output = file + ".out";
            Assert.Equal(0, Curl("--data-binary", $"@{file}", "-H", "Content-Type: application/x-test", "-o", output, $"http://127.0.0.1:{server.Port}/echo").ExitCode);
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(output));
            Assert.Equal(0, Curl("--data-binary", $"@{file}", "-H", "Transfer-Encoding: chunked", "-o", output, $"http://127.0.0.1:{server.Port}/echo").ExitCode);
            Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(output));
            File.Delete(output);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(16)]
    public void Wrk_KeepAliveLoad_NoSocketErrorsNoNon2xx(int pipeline)
    {
        string wrk = Tools.Require("wrk", "wrk");
        using var server = new NativeServer(["http", "--threads", "1"]);
        string script = Path.Combine(NativeBinary.RepoRoot, "scripts", "wrk", "pipeline.lua");
        var (code, stdout, stderr) = NativeBinary.RunProgram(wrk,
            ["-t1", "-c50", "-d2s", "-s", script, $"http://127.0.0.1:{server.Port}/plaintext", "--", pipeline.ToString()], timeoutMs: 30_000);
        Assert.True(code == 0, $"wrk exited {code}: {stderr}");
        Assert.DoesNotContain("Socket errors", stdout);
        Assert.DoesNotContain("Non-2xx", stdout);
        Match requests = RequestsLine().Match(stdout);
        Assert.True(requests.Success, stdout);
        Assert.True(long.Parse(requests.Groups[1].Value) > 1000, stdout);
        Assert.False(server.HasExited);
    }

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestsLine();
}
