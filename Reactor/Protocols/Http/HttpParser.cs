using System;
using System.Buffers;
using System.Text;

namespace Reactor.Protocols.Http;

/// <summary>What a parse step found.</summary>
internal enum ParseResult
{
    /// <summary>More bytes are needed.</summary>
    Incomplete,
    Complete,
    /// <summary>The request must be refused with the status given; what follows cannot be framed.</summary>
    Refused,
}

/// <summary>
/// How far the scan of a chunked body got in earlier calls: a body arriving in many reads is
/// scanned once, not again from its start at every read (many tiny chunks would make that quadratic).
/// </summary>
internal struct ChunkedScan
{
    public int Position;    // the start of the first chunk not yet complete
    public int BodyLength;  // decoded bytes before it
}

/// <summary>A parsed request head, as offsets into the bytes it was parsed from, and its framing.</summary>
internal struct RequestHead
{
    public int MethodLength;
    public int TargetStart;
    public int TargetLength;
    public HttpVersion Version;
    public int HeadersStart;        // first header line (after the request line's CRLF)
    public int HeadLength;          // through the empty line's CRLF
    public long ContentLength;      // -1 when absent
    public bool Chunked;
    public bool KeepAlive;
    public bool ExpectContinue;
}

/// <summary>
/// The HTTP/1.1 request parser (RFC 9112): strict where leniency lets two parsers frame the same
/// bytes differently (request smuggling), and allocation-free. Lines end in CRLF; a bare CR or LF,
/// an obs-folded line, a space before a field's colon, Content-Length together with
/// Transfer-Encoding, or two different Content-Lengths are refused, never guessed at.
/// </summary>
internal static class HttpParser
{
    // tchar (RFC 9110 §5.6.2).
    private static readonly SearchValues<byte> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    // A request target: visible ASCII (RFC 9112 §3.2); no spaces, controls or bytes above 0x7E.
    private static readonly SearchValues<byte> TargetChars = SearchValues.Create(Range(0x21, 0x7E));

    // field-value: VCHAR, obs-text, SP and HTAB (RFC 9110 §5.5); never CR, LF, NUL or another control.
    private static readonly SearchValues<byte> FieldValueChars = SearchValues.Create([.. Range(0x20, 0x7E), .. Range(0x80, 0xFF), (byte)'\t']);

    private static readonly SearchValues<byte> HexDigits = SearchValues.Create("0123456789abcdefABCDEF"u8);

    private static byte[] Range(int first, int last)
    {
        var bytes = new byte[last - first + 1];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(first + i);
        return bytes;
    }

    /// <summary>
    /// Parses the head at the start of <paramref name="data"/> (leading empty lines already skipped).
    /// On <see cref="ParseResult.Refused"/>, <paramref name="status"/> is the status to answer with.
    /// <paramref name="searchFrom"/>: how much of <paramref name="data"/> an earlier call already
    /// found without the head's end (a head arriving in many reads is searched once).
    /// </summary>
    public static ParseResult ParseHead(ReadOnlySpan<byte> data, HttpOptions options, out RequestHead head, out int status, int searchFrom = 0)
    {
        head = default;
        head.ContentLength = -1;
        status = 0;
        int end = data[searchFrom..].IndexOf("\r\n\r\n"u8);
        if (end >= 0) end += searchFrom;
        int lineEnd = data.IndexOf((byte)'\n');
        // A request line longer than any acceptable one: refused before the rest of the head comes.
        int requestLineLimit = Math.Max(options.MaxTargetLength, options.MaxHeaderBytes) + 32;
        if ((lineEnd < 0 ? data.Length : lineEnd) > requestLineLimit) return Refuse(RequestLineTooLong(data), out status);
        if (end < 0)
        {
            if (data.Length <= options.MaxHeaderBytes) return ParseResult.Incomplete;
            return Refuse(lineEnd < 0 ? RequestLineTooLong(data) : 431, out status);
        }
        head.HeadLength = end + 4;

        ReadOnlySpan<byte> line = data[..lineEnd];
        if (line.IsEmpty || line[^1] != '\r') return Refuse(400, out status);
        status = ParseRequestLine(line[..^1], options, ref head);
        if (status != 0) return ParseResult.Refused;
        if (head.HeadLength > options.MaxHeaderBytes) return Refuse(431, out status);

        head.HeadersStart = lineEnd + 1;
        status = ParseFields(data[head.HeadersStart..head.HeadLength], options, ref head);
        return status == 0 ? ParseResult.Complete : ParseResult.Refused;
    }

    /// <summary>A request line over the limit: 414 when its target is what is long, else 400 (junk without a line end).</summary>
    private static int RequestLineTooLong(ReadOnlySpan<byte> data)
    {
        int space = data.IndexOf((byte)' ');
        return space > 0 && data[..space].IndexOfAnyExcept(TokenChars) < 0 ? 414 : 400;
    }

    private static int ParseRequestLine(ReadOnlySpan<byte> line, HttpOptions options, ref RequestHead head)
    {
        int sp1 = line.IndexOf((byte)' ');
        if (sp1 <= 0 || line[..sp1].IndexOfAnyExcept(TokenChars) >= 0) return 400;
        head.MethodLength = sp1;
        ReadOnlySpan<byte> rest = line[(sp1 + 1)..];
        int sp2 = rest.IndexOf((byte)' ');
        if (sp2 <= 0) return 400;
        ReadOnlySpan<byte> target = rest[..sp2];
        if (target.Length > options.MaxTargetLength) return 414;
        if (target.IndexOfAnyExcept(TargetChars) >= 0) return 400;
        if (target[0] != '/' && !target.SequenceEqual("*"u8) && !IsAbsoluteHttpUri(target)) return 400;
        head.TargetStart = sp1 + 1;
        head.TargetLength = sp2;
        ReadOnlySpan<byte> version = rest[(sp2 + 1)..];
        if (version.Length != 8 || !version.StartsWith("HTTP/"u8) || !char.IsAsciiDigit((char)version[5]) || version[6] != '.' || !char.IsAsciiDigit((char)version[7]))
            return 400;
        if (version[5] != '1' || version[7] is not ((byte)'0' or (byte)'1')) return 505;
        head.Version = version[7] == '1' ? HttpVersion.Http11 : HttpVersion.Http10;
        return 0;
    }

    private static bool IsAbsoluteHttpUri(ReadOnlySpan<byte> target) =>
        (target.Length > 7 && Ascii.EqualsIgnoreCase(target[..7], "http://"u8)) || (target.Length > 8 && Ascii.EqualsIgnoreCase(target[..8], "https://"u8));

    /// <summary>Validates the field lines (each ending in CRLF, the last one empty) and reads the framing fields from them.</summary>
    private static int ParseFields(ReadOnlySpan<byte> block, HttpOptions options, ref RequestHead head)
    {
        int hosts = 0, fields = 0;
        bool close = false, keepAlive = false, transferEncoding = false;
        while (true)
        {
            int end = block.IndexOf("\r\n"u8);
            if (end == 0) break;
            ReadOnlySpan<byte> line = block[..end];
            block = block[(end + 2)..];
            if (++fields > options.MaxHeaderCount) return 431;
            if (!SplitField(line, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)) return 400;
            switch (name.Length)
            {
                case 4 when Ascii.EqualsIgnoreCase(name, "Host"u8):
                    hosts++;
                    break;
                case 6 when Ascii.EqualsIgnoreCase(name, "Expect"u8):
                    if (Ascii.EqualsIgnoreCase(value, "100-continue"u8)) head.ExpectContinue = true;
                    break;
                case 10 when Ascii.EqualsIgnoreCase(name, "Connection"u8):
                    ReadConnectionOptions(value, ref close, ref keepAlive);
                    break;
                case 14 when Ascii.EqualsIgnoreCase(name, "Content-Length"u8):
                    if (!TryParseLength(value, out long length)) return 400;
                    // A repeated field with the same value is one length (RFC 9112 §6.3); two lengths are smuggling.
                    if (head.ContentLength >= 0 && head.ContentLength != length) return 400;
                    head.ContentLength = length;
                    break;
                case 17 when Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8):
                    if (transferEncoding) return 400;
                    transferEncoding = true;
                    // Only chunked alone is implemented; a coding we cannot undo means a body we cannot frame.
                    if (!Ascii.EqualsIgnoreCase(value, "chunked"u8)) return 501;
                    head.Chunked = true;
                    break;
            }
        }
        if (transferEncoding && head.ContentLength >= 0) return 400;
        // Transfer-Encoding in HTTP/1.0 is faulty framing (RFC 9112 §6.1): refuse rather than guess.
        if (transferEncoding && head.Version == HttpVersion.Http10) return 400;
        if (hosts > 1 || (hosts == 0 && head.Version == HttpVersion.Http11)) return 400;
        if (head.ContentLength > options.MaxBodyBytes) return 413;
        head.KeepAlive = !close && (head.Version == HttpVersion.Http11 || keepAlive);
        return 0;
    }

    /// <summary>Splits a field line at its colon; false unless the name is a token right before the colon and the value has only field-value bytes.</summary>
    internal static bool SplitField(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        int colon = line.IndexOf((byte)':');
        // colon <= 0 also refuses obs-fold: a continuation line starts with SP or HTAB, never a token.
        name = colon > 0 ? line[..colon] : default;
        value = colon > 0 ? line[(colon + 1)..] : default;
        if (colon <= 0 || name.IndexOfAnyExcept(TokenChars) >= 0 || value.IndexOfAnyExcept(FieldValueChars) >= 0) return false;
        value = TrimWhitespace(value);
        return true;
    }

    private static void ReadConnectionOptions(ReadOnlySpan<byte> value, ref bool close, ref bool keepAlive)
    {
        foreach (Range range in value.Split((byte)','))
        {
            ReadOnlySpan<byte> option = TrimWhitespace(value[range]);
            if (Ascii.EqualsIgnoreCase(option, "close"u8)) close = true;
            else if (Ascii.EqualsIgnoreCase(option, "keep-alive"u8)) keepAlive = true;
        }
    }

    /// <summary>1*DIGIT, at most 18 of them (no sign, no list, no overflow).</summary>
    private static bool TryParseLength(ReadOnlySpan<byte> value, out long length)
    {
        length = 0;
        if (value.IsEmpty || value.Length > 18) return false;
        foreach (byte b in value)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            length = length * 10 + (b - '0');
        }
        return true;
    }

    public static ReadOnlySpan<byte> TrimWhitespace(ReadOnlySpan<byte> value) => value.Trim(" \t"u8);

    /// <summary>The path of a request target: itself for origin-form, the part after the authority of an absolute URI.</summary>
    internal static ReadOnlySpan<byte> PathOf(ReadOnlySpan<byte> target)
    {
        if (target.IsEmpty || target[0] == '/' || target[0] == '*') return target;
        ReadOnlySpan<byte> afterScheme = target[(target.IndexOf("//"u8) + 2)..];
        int slash = afterScheme.IndexOf((byte)'/');
        return slash < 0 ? "/"u8 : afterScheme[slash..];
    }

    /// <summary>
    /// Scans a chunked body (RFC 9112 §7.1) at the start of <paramref name="data"/>, from where
    /// <paramref name="scan"/> says an earlier call stopped (and records where this one stops): on
    /// <see cref="ParseResult.Complete"/>, <paramref name="encodedLength"/> is its length through
    /// the trailer section and <paramref name="bodyLength"/> the decoded length. With
    /// <paramref name="decode"/> (only for a body already scanned complete, from a fresh
    /// <paramref name="scan"/>) the chunk data is also moved to the front of <paramref name="data"/>, in place.
    /// </summary>
    public static ParseResult ParseChunked(Span<byte> data, HttpOptions options, bool decode, ref ChunkedScan scan, out int encodedLength, out int bodyLength, out int status)
    {
        encodedLength = 0;
        status = 0;
        int pos = scan.Position;
        bodyLength = scan.BodyLength;
        while (true)
        {
            scan.Position = pos;
            scan.BodyLength = bodyLength;
            // chunk-size [ BWS ; chunk-ext ] CRLF
            int lineEnd = data[pos..].IndexOf((byte)'\n');
            if (lineEnd < 0) return data.Length - pos > 1024 ? Refuse(400, out status) : ParseResult.Incomplete;
            ReadOnlySpan<byte> line = data.Slice(pos, lineEnd);
            if (line.IsEmpty || line[^1] != '\r') return Refuse(400, out status);
            line = line[..^1];
            int digits = line.IndexOfAnyExcept(HexDigits);
            if (digits < 0) digits = line.Length;
            if (digits == 0) return Refuse(400, out status);
            long size = 0;
            foreach (byte b in line[..digits])
            {
                // Overflow is smuggling bait (one parser wraps, another saturates): refuse.
                if (size > (long.MaxValue >> 4)) return Refuse(400, out status);
                size = (size << 4) | (long)HexValue(b);
            }
            ReadOnlySpan<byte> extension = TrimWhitespace(line[digits..]);
            // chunk-ext (RFC 9112 §7.1.1) is ignored, but must be made of field-value bytes: no bare CR.
            if (!extension.IsEmpty && (extension[0] != ';' || extension.IndexOfAnyExcept(FieldValueChars) >= 0)) return Refuse(400, out status);
            if (bodyLength + size > options.MaxBodyBytes) return Refuse(413, out status);
            pos += lineEnd + 1;
            if (size == 0) return ParseTrailers(data, pos, options, ref encodedLength, out status);
            if (data.Length - pos < size + 2) return ParseResult.Incomplete;
            if (data[pos + (int)size] != '\r' || data[pos + (int)size + 1] != '\n') return Refuse(400, out status);
            if (decode) data.Slice(pos, (int)size).CopyTo(data[bodyLength..]);
            bodyLength += (int)size;
            pos += (int)size + 2;
        }
    }

    /// <summary>The trailer section after the last chunk: field lines (validated as headers, then ignored) and an empty line.</summary>
    private static ParseResult ParseTrailers(ReadOnlySpan<byte> data, int pos, HttpOptions options, ref int encodedLength, out int status)
    {
        status = 0;
        int start = pos;
        while (true)
        {
            int end = data[pos..].IndexOf("\r\n"u8);
            if (end < 0) return data.Length - start > options.MaxHeaderBytes ? Refuse(431, out status) : ParseResult.Incomplete;
            if (end == 0)
            {
                encodedLength = pos + 2;
                return ParseResult.Complete;
            }
            if (!SplitField(data.Slice(pos, end), out _, out _)) return Refuse(400, out status);
            pos += end + 2;
            if (pos - start > options.MaxHeaderBytes) return Refuse(431, out status);
        }
    }

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    private static ParseResult Refuse(int code, out int status)
    {
        status = code;
        return ParseResult.Refused;
    }
}
