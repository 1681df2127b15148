using System;
using System.IO;
using System.Net.Sockets;
using System.Text;
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

    [Fact]
    public async Task Sigterm_ResponseInFlightAndIdleKeepAlive_ResponseDeliveredWholeIdleClosedExitZero()
    {
        using var server = new NativeServer(["http", "--threads", "1", "--max-body", "4MiB"]);
        using Socket idle = await server.ConnectAsync();
        await idle.SendAllAsync("GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\n"u8.ToArray());
        Assert.Contains("Hello, World!", Encoding.ASCII.GetString(await ReceiveSomeAsync(idle)));

        // A 4 MiB response, more than the socket buffers hold: most of it is still queued in the server at SIGTERM.
        using Socket busy = await server.ConnectAsync();
        busy.ReceiveBufferSize = 64 * 1024;
        byte[] body = System.Security.Cryptography.RandomNumberGenerator.GetBytes(4 << 20);
        await busy.SendAllAsync(Encoding.ASCII.GetBytes($"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: {body.Length}\r\n\r\n"));
        await busy.SendAllAsync(body);
        byte[] first = await busy.ReceiveExactlyAsync(64);   // the request was read and answered
        Assert.StartsWith("HTTP/1.1 200 OK", Encoding.ASCII.GetString(first));

        server.SendSigterm();
        Assert.Equal(0, await idle.DrainToEofAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        var rest = new System.Collections.Generic.List<byte>(first);
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await busy.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(TimeSpan.FromSeconds(20))) > 0) rest.AddRange(buffer[..n]);
        byte[] all = rest.ToArray();
        int bodyStart = all.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        Assert.True(body.AsSpan().SequenceEqual(all.AsSpan(bodyStart)), $"the response was cut: {all.Length - bodyStart} of {body.Length} body bytes");
        Assert.Equal(0, server.WaitForExit());
    }

    private static async Task<byte[]> ReceiveSomeAsync(Socket socket)
    {
        var buffer = new byte[4096];
        int n = await socket.ReceiveAsync(buffer.AsMemory()).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return buffer[..n];
    }

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex RequestsLine();
}
