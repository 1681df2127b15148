using System;
using System.Text;

namespace Reactor.Protocols.Http;

/// <summary>The protocol version of a request: the server speaks HTTP/1.0 and HTTP/1.1.</summary>
public enum HttpVersion
{
    Http10,
    Http11,
}

/// <summary>
/// One complete request, as spans over the connection's input: nothing is copied or allocated.
/// Valid only during <see cref="IHttpHandler.OnRequest"/>; a handler that answers later copies
/// what it needs first.
/// </summary>
public readonly ref struct HttpRequest
{
    internal HttpRequest(ReadOnlySpan<byte> head, in RequestHead parsed, ReadOnlySpan<byte> body)
    {
        Method = head.Slice(0, parsed.MethodLength);
        Target = head.Slice(parsed.TargetStart, parsed.TargetLength);
        Version = parsed.Version;
        HeaderBlock = head.Slice(parsed.HeadersStart, parsed.HeadLength - 2 - parsed.HeadersStart);
        Body = body;
        KeepAlive = parsed.KeepAlive;
        HasBody = parsed.ContentLength > 0 || parsed.Chunked;
        int query = Target.IndexOf((byte)'?');
        ReadOnlySpan<byte> path = query < 0 ? Target : Target[..query];
        Query = query < 0 ? default : Target[(query + 1)..];
        Path = HttpParser.PathOf(path);
    }

    /// <summary>The method token, e.g. <c>GET</c> (case-sensitive, RFC 9110 §9.1).</summary>
    public ReadOnlySpan<byte> Method { get; }

    /// <summary>The request target as sent: <c>/a/b?x=1</c>, <c>*</c>, or an absolute URI.</summary>
    public ReadOnlySpan<byte> Target { get; }

    /// <summary>The path of the target, still percent-encoded: <c>/a/b</c> (for an absolute URI, the part after the authority).</summary>
    public ReadOnlySpan<byte> Path { get; }

    /// <summary>The query after <c>?</c>, without it; empty when there is none.</summary>
    public ReadOnlySpan<byte> Query { get; }

    public HttpVersion Version { get; }

    /// <summary>The header field lines, each ending in CRLF, validated (no obs-fold, no bare CR, token names).</summary>
    public ReadOnlySpan<byte> HeaderBlock { get; }

    /// <summary>The body, decoded when it was sent chunked; empty when there is none.</summary>
    public ReadOnlySpan<byte> Body { get; }

    /// <summary>True when the request had a body (a Content-Length above 0, or chunked).</summary>
    public bool HasBody { get; }

    /// <summary>Whether the connection stays open after the response (HTTP/1.1 unless <c>Connection: close</c>; HTTP/1.0 with <c>Connection: keep-alive</c>).</summary>
    public bool KeepAlive { get; }

    /// <summary>True for <c>HEAD</c>: the response carries headers only.</summary>
    public bool IsHead => Method.SequenceEqual("HEAD"u8);

    public bool IsGet => Method.SequenceEqual("GET"u8);

    /// <summary>The fields, in order, as (name, value) pairs without surrounding whitespace.</summary>
    public HeaderEnumerator Headers => new(HeaderBlock);

    /// <summary>The value of the first field named <paramref name="name"/> (case-insensitive), or an empty span.</summary>
    public ReadOnlySpan<byte> Header(ReadOnlySpan<byte> name) => TryGetHeader(name, out ReadOnlySpan<byte> value) ? value : default;

    /// <summary>Finds the first field named <paramref name="name"/> (case-insensitive).</summary>
    public bool TryGetHeader(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        foreach (HeaderField field in Headers)
        {
            if (Ascii.EqualsIgnoreCase(field.Name, name))
            {
                value = field.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    /// <summary>Walks a validated header block line by line.</summary>
    public ref struct HeaderEnumerator
    {
        private ReadOnlySpan<byte> _rest;

        internal HeaderEnumerator(ReadOnlySpan<byte> block) => _rest = block;

        public HeaderField Current { get; private set; }

        public readonly HeaderEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            int end = _rest.IndexOf("\r\n"u8);
            if (end < 0) return false;
            ReadOnlySpan<byte> line = _rest[..end];
            _rest = _rest[(end + 2)..];
            int colon = line.IndexOf((byte)':');
            Current = new HeaderField(line[..colon], HttpParser.TrimWhitespace(line[(colon + 1)..]));
            return true;
        }
    }
}

/// <summary>One header field: name and value, spans over the request.</summary>
public readonly ref struct HeaderField(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
{
    public ReadOnlySpan<byte> Name { get; } = name;
    public ReadOnlySpan<byte> Value { get; } = value;
}
