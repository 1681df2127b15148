using System;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Reactor.Protocols.Http;
using Reactor.Tests.Infrastructure;

namespace Reactor.Tests.Protocols.Http;

/// <summary>One response as it came off the wire.</summary>
public sealed record RawResponse(int Status, string Head, byte[] Body)
{
    public string BodyText => Encoding.Latin1.GetString(Body);

    /// <summary>The first field named <paramref name="name"/> (case-insensitive), or null.</summary>
    public string? Header(string name)
    {
        foreach (string line in Head.Split("\r\n")[1..])
        {
            int colon = line.IndexOf(':');
            if (colon > 0 && line[..colon].Equals(name, StringComparison.OrdinalIgnoreCase)) return line[(colon + 1)..].Trim();
        }
        return null;
    }
}

/// <summary>
/// A raw-socket HTTP client for the tests: bytes in, responses parsed strictly (a status line,
/// fields, a Content-Length or chunked body), so a malformed answer fails the test.
/// </summary>
public sealed partial class RawHttp : IDisposable
{
    private readonly List<byte> _buffered = [];

    public RawHttp(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    /// <summary>A server of the built-in routes on an ephemeral port, one loop.</summary>
    public static TestServer Server(HttpOptions? options = null, IHttpHandler? handler = null, int loops = 1)
    {
        options ??= new HttpOptions();
        handler ??= new BuiltInRoutes();
        return new TestServer(c => new HttpConnection(c, handler, options), o => o.LoopCount = loops);
    }

    public static async Task<RawHttp> ConnectAsync(TestServer server) => new(await server.ConnectAsync());

    public Task SendAsync(string request) => Socket.SendAllAsync(Encoding.Latin1.GetBytes(request));

    public Task SendAsync(byte[] request) => Socket.SendAllAsync(request);

    /// <summary>Reads the next response (<paramref name="head"/>: it answers a HEAD, so no body follows); fails on EOF or after 10 s.</summary>
    public async Task<RawResponse> ReadAsync(bool head = false)
    {
        RawResponse? response = await TryReadAsync(head);
        return response ?? throw new InvalidOperationException("EOF instead of a response; buffered: " + Encoding.Latin1.GetString(_buffered.ToArray()));
    }

    /// <summary>The next response, or null at EOF with nothing buffered.</summary>
    public async Task<RawResponse?> TryReadAsync(bool head = false)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var chunk = new byte[64 * 1024];
        while (true)
        {
            byte[] data = _buffered.ToArray();
            int length = TryParse(data, head, out RawResponse? response);
            if (length > 0)
            {
                _buffered.RemoveRange(0, length);
                return response;
            }
            int n = await Socket.ReceiveAsync(chunk, SocketFlags.None, timeout.Token);
            if (n == 0)
            {
                if (_buffered.Count == 0) return null;
                throw new InvalidOperationException("EOF inside a response: " + Encoding.Latin1.GetString(data));
            }
            _buffered.AddRange(chunk.AsSpan(0, n));
        }
    }

    /// <summary>True when the server closes (EOF, or a reset after it) within 10 s with nothing more sent.</summary>
    public async Task<bool> ClosedAsync(double seconds = 10)
    {
        if (_buffered.Count > 0) return false;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            int n = await Socket.ReceiveAsync(new byte[1], SocketFlags.None, timeout.Token);
            return n == 0;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>
    /// Parses one response at the start of <paramref name="data"/>. Returns its length, 0 when more
    /// bytes are needed; throws when the bytes are not a valid response.
    /// </summary>
    public static int TryParse(ReadOnlySpan<byte> data, bool head, out RawResponse? response)
    {
        response = null;
        int end = data.IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            if (data.Length >= 9 && !data.StartsWith("HTTP/1.1 "u8)) throw new InvalidOperationException("not a status line: " + Encoding.Latin1.GetString(data));
            return 0;
        }
        string text = Encoding.Latin1.GetString(data[..(end + 2)]);
        Match status = StatusLine().Match(text);
        if (!status.Success) throw new InvalidOperationException("not a status line: " + text);
        var partial = new RawResponse(int.Parse(status.Groups[1].Value), text, []);
        int bodyStart = end + 4;
        if (head || partial.Status < 200 || partial.Status is 204 or 304)
        {
            response = partial;
            return bodyStart;
        }
        if (partial.Header("Transfer-Encoding") == "chunked")
        {
            var body = new List<byte>();
            int pos = bodyStart;
            while (true)
            {
                int lineEnd = data[pos..].IndexOf("\r\n"u8);
                if (lineEnd < 0) return 0;
                int size = Convert.ToInt32(Encoding.ASCII.GetString(data.Slice(pos, lineEnd)), 16);
                pos += lineEnd + 2;
                if (data.Length < pos + size + 2) return 0;
                if (size == 0)
                {
                    response = partial with { Body = [.. body] };
                    return pos + 2;
                }
                body.AddRange(data.Slice(pos, size));
                pos += size + 2;
            }
        }
        string? contentLength = partial.Header("Content-Length") ?? throw new InvalidOperationException("a response without Content-Length: " + text);
        int bodyLength = int.Parse(contentLength);
        if (data.Length < bodyStart + bodyLength) return 0;
        response = partial with { Body = data.Slice(bodyStart, bodyLength).ToArray() };
        return bodyStart + bodyLength;
    }

    public void Dispose() => Socket.Dispose();

    [GeneratedRegex(@"^HTTP/1\.1 ([1-5]\d\d) [^\r\n]*\r\n")]
    private static partial Regex StatusLine();
}
