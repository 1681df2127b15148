using System;
using System.Text;
using BenchmarkDotNet.Attributes;
using Reactor.Protocols.Http;

namespace Reactor.Bench.Protocols.Http;

/// <summary>
/// <see cref="HttpParser.ParseHead"/> on the request wrk sends (<c>Plaintext</c>, 40 bytes) and on a
/// browser-like one (<c>Browser</c>, about 500 bytes, 9 fields); then the request view's header
/// lookup. Steady state allocates 0 B.
/// </summary>
[MemoryDiagnoser]
public class HttpParserBenchmarks
{
    private static readonly HttpOptions Options = new();
    private byte[] _request = [];

    [Params("Plaintext", "Browser")]
    public string Request = "";

    [GlobalSetup]
    public void Setup()
    {
        _request = Encoding.ASCII.GetBytes(Request == "Plaintext"
            ? "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"
            : "GET /static/app.js?v=3 HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0\r\n" +
              "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n" +
              "Connection: keep-alive\r\nCookie: session=0123456789abcdef0123456789abcdef; theme=dark\r\nIf-None-Match: \"5f2b-1a2b3c\"\r\nCache-Control: max-age=0\r\n\r\n");
    }

    [Benchmark(Baseline = true)]
    public int ParseHead()
    {
        HttpParser.ParseHead(_request, Options, out RequestHead head, out _);
        return head.HeadLength;
    }

    [Benchmark]
    public int ParseHeadAndFindField()
    {
        HttpParser.ParseHead(_request, Options, out RequestHead head, out _);
        var request = new HttpRequest(_request, head, default);
        return request.Header("If-None-Match"u8).Length + request.Path.Length;
    }
}
