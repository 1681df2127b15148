using System;
using System.IO;
using System.Text.RegularExpressions;
using Reactor.Protocols.Http;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Protocols.Http;

/// <summary>Static files under a root, fetched with curl as a user would: bytes compared, validators, ranges, refusals.</summary>
public sealed class StaticFilesTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("reactor-static-").FullName;
    private readonly string _root;
    private readonly byte[] _big = System.Security.Cryptography.RandomNumberGenerator.GetBytes(1 << 20);
    private readonly TestServer _server;

    public StaticFilesTests()
    {
        _root = Path.Combine(_dir, "root");
        Directory.CreateDirectory(Path.Combine(_root, "sub"));
        File.WriteAllBytes(Path.Combine(_root, "big.bin"), _big);
        File.WriteAllText(Path.Combine(_root, "index.html"), "<h1>root</h1>");
        File.WriteAllText(Path.Combine(_root, "sub", "index.html"), "sub");
        File.WriteAllText(Path.Combine(_root, "a.txt"), "0123456789");
        File.WriteAllText(Path.Combine(_dir, "secret.txt"), "secret");
        File.CreateSymbolicLink(Path.Combine(_root, "out.txt"), Path.Combine(_dir, "secret.txt"));
        File.CreateSymbolicLink(Path.Combine(_root, "in.txt"), Path.Combine(_root, "a.txt"));
        _server = RawHttp.Server(handler: new BuiltInRoutes(_root));
    }

    public void Dispose()
    {
        _server.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string Url(string path) => $"http://127.0.0.1:{_server.EndPoint.Port}{path}";

    private static (int ExitCode, string Stdout, string Stderr) Curl(params string[] args) =>
        NativeBinary.RunProgram(Tools.Require("curl", "curl"), ["-sS", "--max-time", "10", .. args], timeoutMs: 20_000);

    private static string HeaderOf(string head, string name) =>
        Regex.Match(head, $@"^{name}: ([^\r]*)\r$", RegexOptions.Multiline | RegexOptions.IgnoreCase).Groups[1].Value;

    private int Status(params string[] args) => int.Parse(Curl(["-o", "/dev/null", "-w", "%{http_code}", .. args]).Stdout);

    [Fact]
    public void Get_MebibyteFileTwiceOnOneConnection_BytesEqualWithTypeAndLength()
    {
        string output = Path.Combine(_dir, "out1"), output2 = Path.Combine(_dir, "out2");
        var (code, stdout, stderr) = Curl("-v", "-o", output, Url("/big.bin"), "-o", output2, Url("/big.bin"));
        Assert.True(code == 0, stderr);
        Assert.Equal(_big, File.ReadAllBytes(output));
        Assert.Equal(_big, File.ReadAllBytes(output2));
        Assert.Contains("Re-using existing connection", stderr);
        Assert.Contains("< Content-Type: application/octet-stream", stderr);
        Assert.Contains($"< Content-Length: {_big.Length}", stderr);
    }

    [Fact]
    public void Head_File_HeadersOnly()
    {
        string head = Curl("-I", Url("/a.txt")).Stdout;
        Assert.StartsWith("HTTP/1.1 200 OK\r\n", head);
        Assert.Equal("10", HeaderOf(head, "Content-Length"));
        Assert.Equal("text/plain; charset=utf-8", HeaderOf(head, "Content-Type"));
        Assert.NotEmpty(HeaderOf(head, "ETag"));
        Assert.NotEmpty(HeaderOf(head, "Last-Modified"));
    }

    [Fact]
    public void Conditional_MatchingETagOrNotModifiedSince_304()
    {
        string head = Curl("-I", Url("/a.txt")).Stdout;
        string etag = HeaderOf(head, "ETag"), modified = HeaderOf(head, "Last-Modified");
        Assert.Equal(304, Status("-H", $"If-None-Match: {etag}", Url("/a.txt")));
        Assert.Equal(304, Status("-H", $"If-None-Match: \"x\", W/{etag}", Url("/a.txt")));
        Assert.Equal(200, Status("-H", "If-None-Match: \"other\"", Url("/a.txt")));
        Assert.Equal(304, Status("-H", $"If-Modified-Since: {modified}", Url("/a.txt")));
        Assert.Equal(200, Status("-H", "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT", Url("/a.txt")));
    }

    [Fact]
    public void Range_OneRangeOrSuffix_206WithContentRange_Unsatisfiable416()
    {
        var (_, body, _) = Curl("-D", Path.Combine(_dir, "h"), "-r", "2-4", Url("/a.txt"));
        string head = File.ReadAllText(Path.Combine(_dir, "h"));
        Assert.StartsWith("HTTP/1.1 206 ", head);
        Assert.Equal("bytes 2-4/10", HeaderOf(head, "Content-Range"));
        Assert.Equal("234", body);
        Assert.Equal("789", Curl("-r", "-3", Url("/a.txt")).Stdout);
        Assert.Equal("56789", Curl("-r", "5-", Url("/a.txt")).Stdout);
        string output = Path.Combine(_dir, "range");
        Assert.Equal(0, Curl("-r", "1000-300000", "-o", output, Url("/big.bin")).ExitCode);
        Assert.Equal(_big.AsSpan(1000, 299_001).ToArray(), File.ReadAllBytes(output));
        Assert.Equal(416, Status("-r", "10-20", Url("/a.txt")));
    }

    [Fact]
    public void Directory_ServesIndexHtml()
    {
        Assert.Equal("<h1>root</h1>", Curl(Url("/")).Stdout);
        Assert.Equal("sub", Curl(Url("/sub/")).Stdout);
        Assert.Equal("sub", Curl(Url("/sub")).Stdout);
    }

    [Fact]
    public void MissingFileOrOtherMethod_404Or405()
    {
        Assert.Equal(404, Status(Url("/missing.txt")));
        Assert.Equal(405, Status("-X", "POST", Url("/a.txt")));
        Assert.Equal(200, Status(Url("/in.txt")));   // a link that stays inside the root is served
    }

    [Theory]
    [InlineData("/../secret.txt")]
    [InlineData("/sub/../../secret.txt")]
    [InlineData("/%2e%2e/secret.txt")]
    [InlineData("/%2E%2E%2Fsecret.txt")]
    [InlineData("/sub%2f..%2f..%2fsecret.txt")]
    [InlineData("/a.txt%00.html")]
    [InlineData("/out.txt")]
    [InlineData("/./a.txt")]
    public void PathEscapingTheRoot_404(string path)
    {
        var (_, body, _) = Curl("--path-as-is", "-w", " %{http_code}", Url(path));
        Assert.Equal("Not Found\n 404", body);
    }
}
