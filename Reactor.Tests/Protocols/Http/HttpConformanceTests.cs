using System;
using System.Threading.Tasks;
using Reactor.Protocols.Http;
using Xunit;

namespace Reactor.Tests.Protocols.Http;

/// <summary>
/// The conformance table: raw request bytes against the status the server must answer and
/// whether the connection must close after it. Every refusal closes: what follows a request the
/// server could not frame cannot be framed either.
/// </summary>
public class HttpConformanceTests
{
    private const string H = "Host: a\r\n";

    public static TheoryData<string, string, int, bool> Table => new()
    {
        // name, request, status, closes
        { "GET keep-alive", "GET / HTTP/1.1\r\n" + H + "\r\n", 200, false },
        { "empty lines before the request line are ignored", "\r\n\r\nGET / HTTP/1.1\r\n" + H + "\r\n", 200, false },
        { "Connection: close", "GET / HTTP/1.1\r\n" + H + "Connection: close\r\n\r\n", 200, true },
        { "HTTP/1.0 closes by default", "GET / HTTP/1.0\r\n\r\n", 200, true },
        { "HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 200, false },
        { "absolute-form target", "GET http://a/plaintext HTTP/1.1\r\n" + H + "\r\n", 200, false },
        { "repeated equal Content-Length", "POST /echo HTTP/1.1\r\n" + H + "Content-Length: 2\r\nContent-Length: 2\r\n\r\nhi", 200, false },
        { "chunked body with extension and trailer", "POST /echo HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n2;x=y\r\nhi\r\n0\r\nT: v\r\n\r\n", 200, false },
        { "unknown path", "GET /nothing HTTP/1.1\r\n" + H + "\r\n", 404, false },
        { "method not allowed", "DELETE /plaintext HTTP/1.1\r\n" + H + "\r\n", 405, false },
        { "request line without version", "GET /\r\n" + H + "\r\n", 400, true },
        { "two spaces in request line", "GET  / HTTP/1.1\r\n" + H + "\r\n", 400, true },
        { "bare LF line end", "GET / HTTP/1.1\n" + H + "\r\n", 400, true },
        { "target not origin-form", "GET plaintext HTTP/1.1\r\n" + H + "\r\n", 400, true },
        { "control byte in target", "GET /a\x01b HTTP/1.1\r\n" + H + "\r\n", 400, true },
        { "bad method token", "G(T / HTTP/1.1\r\n" + H + "\r\n", 400, true },
        { "field without colon", "GET / HTTP/1.1\r\n" + H + "NoColon\r\n\r\n", 400, true },
        { "space before colon", "GET / HTTP/1.1\r\n" + H + "X-A : b\r\n\r\n", 400, true },
        { "obs-fold", "GET / HTTP/1.1\r\n" + H + "X-A: b\r\n c\r\n\r\n", 400, true },
        { "bare CR in value", "GET / HTTP/1.1\r\n" + H + "X-A: b\rc\r\n\r\n", 400, true },
        { "NUL in value", "GET / HTTP/1.1\r\n" + H + "X-A: b\0c\r\n\r\n", 400, true },
        { "invalid byte in name", "GET / HTTP/1.1\r\n" + H + "X\x7fA: b\r\n\r\n", 400, true },
        { "Content-Length and Transfer-Encoding", "POST /echo HTTP/1.1\r\n" + H + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, true },
        { "two different Content-Lengths", "POST /echo HTTP/1.1\r\n" + H + "Content-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400, true },
        { "Content-Length list", "POST /echo HTTP/1.1\r\n" + H + "Content-Length: 1, 1\r\n\r\na", 400, true },
        { "signed Content-Length", "POST /echo HTTP/1.1\r\n" + H + "Content-Length: +1\r\n\r\na", 400, true },
        { "chunk size overflow", "POST /echo HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n10000000000000001\r\na\r\n0\r\n\r\n", 400, true },
        { "chunk data not followed by CRLF", "POST /echo HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", 400, true },
        { "chunk size not hex", "POST /echo HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400, true },
        { "two Transfer-Encoding fields", "POST /echo HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, true },
        { "Transfer-Encoding in HTTP/1.0", "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, true },
        { "HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400, true },
        { "two Host fields", "GET / HTTP/1.1\r\n" + H + H + "\r\n", 400, true },
        { "Transfer-Encoding gzip", "POST /echo HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip\r\n\r\n", 501, true },
        { "Transfer-Encoding gzip, chunked", "POST /echo HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip, chunked\r\n\r\n", 501, true },
        { "HTTP/2.0", "GET / HTTP/2.0\r\n" + H + "\r\n", 505, true },
        { "HTTP/1.2", "GET / HTTP/1.2\r\n" + H + "\r\n", 505, true },
        { "malformed version", "GET / HTTP/1.1x\r\n" + H + "\r\n", 400, true },
        { "target over 8 KiB", "GET /" + new string('a', 8 * 1024) + " HTTP/1.1\r\n" + H + "\r\n", 414, true },
        { "head over 8 KiB", "GET / HTTP/1.1\r\n" + H + "X-Big: " + new string('b', 8 * 1024) + "\r\n\r\n", 431, true },
        { "over 100 fields", "GET / HTTP/1.1\r\n" + H + string.Concat(System.Linq.Enumerable.Repeat("X-A: b\r\n", 100)) + "\r\n", 431, true },
        { "Content-Length over 1 MiB", "POST /echo HTTP/1.1\r\n" + H + "Content-Length: 1048577\r\n\r\n", 413, true },
        { "chunked body over 1 MiB", "POST /echo HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n100001\r\n", 413, true },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public async Task Request_FromTable_AnsweredWithStatusAndClosedIfRefused(string name, string request, int status, bool closes)
    {
        using var server = RawHttp.Server();
        using RawHttp client = await RawHttp.ConnectAsync(server);
        await client.SendAsync(request);
        RawResponse response = await client.ReadAsync();
        Assert.True(status == response.Status, $"{name}: expected {status}, got {response.Status}");
        Assert.Equal(closes, response.Header("Connection") == "close");
        if (closes)
        {
            Assert.True(await client.ClosedAsync(), $"{name}: the connection stayed open after {status}");
        }
        else
        {
            // Still usable: a second request on the same connection is answered.
            await client.SendAsync("GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\n");
            Assert.Equal("Hello, World!", (await client.ReadAsync()).BodyText);
        }
    }

    [Fact]
    public async Task SlowHead_PastHeaderTimeout_Answered408AndClosed()
    {
        using var server = RawHttp.Server(new HttpOptions { HeaderTimeout = TimeSpan.FromMilliseconds(300) });
        using RawHttp client = await RawHttp.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHo");
        RawResponse response = await client.ReadAsync();
        Assert.Equal(408, response.Status);
        Assert.True(await client.ClosedAsync());
    }

    [Fact]
    public async Task IdleConnection_PastKeepAliveTimeout_ClosedWithoutAnswer()
    {
        using var server = RawHttp.Server(new HttpOptions { KeepAliveTimeout = TimeSpan.FromMilliseconds(300) });
        using RawHttp client = await RawHttp.ConnectAsync(server);
        await client.SendAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        Assert.Equal(200, (await client.ReadAsync()).Status);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(await client.ClosedAsync());
        Assert.True(clock.ElapsedMilliseconds >= 250, $"closed after {clock.ElapsedMilliseconds} ms, before the keep-alive timeout");
    }

    [Fact]
    public async Task Head_Plaintext_HeadersWithLengthAndNoBody()
    {
        using var server = RawHttp.Server();
        using RawHttp client = await RawHttp.ConnectAsync(server);
        await client.SendAsync("HEAD /plaintext HTTP/1.1\r\nHost: a\r\n\r\nGET /json HTTP/1.1\r\nHost: a\r\n\r\n");
        RawResponse head = await client.ReadAsync(head: true);
        Assert.Equal(200, head.Status);
        Assert.Equal("13", head.Header("Content-Length"));
        // The next response starts right after the head: no body bytes came in between.
        Assert.Equal("""{"message":"Hello, World!"}""", (await client.ReadAsync()).BodyText);
    }

    [Fact]
    public async Task Response_Always_HasServerAndImfFixdateDate()
    {
        using var server = RawHttp.Server();
        using RawHttp client = await RawHttp.ConnectAsync(server);
        await client.SendAsync("GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\n");
        RawResponse response = await client.ReadAsync();
        Assert.Equal("reactor", response.Header("Server"));
        DateTime date = DateTime.ParseExact(response.Header("Date")!, "r", System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange((DateTime.UtcNow - date.ToUniversalTime()).TotalSeconds, -2, 5);
    }

    [Fact]
    public async Task ExpectContinue_BodyWithheld_100ThenResponse()
    {
        using var server = RawHttp.Server();
        using RawHttp client = await RawHttp.ConnectAsync(server);
        await client.SendAsync("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        Assert.Equal(100, (await client.ReadAsync()).Status);
        await client.SendAsync("hello");
        RawResponse response = await client.ReadAsync();
        Assert.Equal(200, response.Status);
        Assert.Equal("hello", response.BodyText);
    }

    [Fact]
    public async Task ContentLengthBody_LargerThanABuffer_EchoedWhole()
    {
        using var server = RawHttp.Server();
        using RawHttp client = await RawHttp.ConnectAsync(server);
        byte[] body = System.Security.Cryptography.RandomNumberGenerator.GetBytes(1 << 20);
        await client.SendAsync($"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-test\r\nContent-Length: {body.Length}\r\n\r\n");
        await client.SendAsync(body);
        RawResponse response = await client.ReadAsync();
        Assert.Equal("application/x-test", response.Header("Content-Type"));
        Assert.True(body.AsSpan().SequenceEqual(response.Body), "the echoed body differs");
    }

    [Fact]
    public async Task ChunkedBody_ManyChunks_DecodedAndEchoed()
    {
        using var server = RawHttp.Server();
        using RawHttp client = await RawHttp.ConnectAsync(server);
        var request = new System.Text.StringBuilder("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        var expected = new System.Text.StringBuilder();
        for (int i = 1; i <= 300; i++)
        {
            string chunk = new((char)('a' + i % 26), i);
            request.Append($"{i:x}\r\n{chunk}\r\n");
            expected.Append(chunk);
        }
        request.Append("0\r\n\r\n");
        await client.SendAsync(request.ToString());
        Assert.Equal(expected.ToString(), (await client.ReadAsync()).BodyText);
    }

    [Fact]
    public async Task ChunkedBody_HundredThousandOneByteChunksInSmallReads_DecodedWhole()
    {
        using var server = RawHttp.Server();
        using RawHttp client = await RawHttp.ConnectAsync(server);
        var body = new System.Text.StringBuilder();
        var encoded = new System.Text.StringBuilder("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 100_000; i++)
        {
            char c = (char)('a' + i % 26);
            body.Append(c);
            encoded.Append("1\r\n").Append(c).Append("\r\n");
        }
        encoded.Append("0\r\n\r\n");
        byte[] bytes = System.Text.Encoding.ASCII.GetBytes(encoded.ToString());
        // 600 KB in 1,000-byte writes: hundreds of reads, each resuming the scan where the last stopped.
        for (int i = 0; i < bytes.Length; i += 1000) await client.SendAsync(bytes[i..Math.Min(bytes.Length, i + 1000)]);
        Assert.Equal(body.ToString(), (await client.ReadAsync()).BodyText);
    }
}
