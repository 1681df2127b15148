using System;

namespace Reactor.Protocols.Kv;

/// <summary>What <see cref="RespParser.Parse"/> found at the start of the input.</summary>
internal enum ParseResult
{
    /// <summary>A whole command (possibly empty: <c>*0</c> or a blank inline line) of <see cref="RespParser.Consumed"/> bytes.</summary>
    Command,
    /// <summary>The command is not all there yet; nothing is consumed.</summary>
    Incomplete,
    /// <summary>Malformed input: answer <see cref="RespParser.Error"/> and close, as redis does.</summary>
    ProtocolError,
}

/// <summary>The malformed-input cases, each answered with redis's own message (networking.c).</summary>
internal enum ProtocolError
{
    None,
    TooBigInlineRequest,
    UnbalancedQuotes,
    TooBigMultibulkCount,
    InvalidMultibulkLength,
    TooBigBulkCount,
    ExpectedDollar,
    InvalidBulkLength,
}

/// <summary>
/// Parses RESP2 requests in place, one command per call, as redis's processMultibulkBuffer and
/// processInlineBuffer do: a multibulk array of bulk strings (<c>*2\r\n$3\r\nGET\r\n$1\r\nk\r\n</c>)
/// or an inline line (<c>GET k\r\n</c>, split like sdssplitargs, quotes and escapes unescaped in
/// place). Arguments are ranges of the input, so nothing is copied or allocated per command. A
/// multibulk command split across reads resumes where the previous call stopped, so a command
/// arriving in many reads is scanned once. One instance per connection.
/// </summary>
internal sealed class RespParser
{
    /// <summary>
    /// redis's PROTO_INLINE_MAX_SIZE: an inline request, or a <c>*count</c> / <c>$length</c> line,
    /// this long without its line end is a protocol error.
    /// </summary>
    public const int InlineMax = 64 * 1024;

    private readonly int _maxCommandBytes;
    private int[] _starts = new int[8];
    private int[] _lengths = new int[8];
    private int _count;
    private int _remaining;     // bulk strings still to come in the current multibulk command; 0: none begun
    private int _position;      // where parsing resumes, counted from the command's first byte

    /// <param name="maxCommandBytes">The most bytes one whole command may take on the wire (<c>--max-frame</c>).</param>
    public RespParser(int maxCommandBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCommandBytes, 16);
        _maxCommandBytes = maxCommandBytes;
    }

    /// <summary>Arguments of the command just parsed (the command name first).</summary>
    public int Count => _count;

    /// <summary>Bytes the command just parsed took.</summary>
    public int Consumed { get; private set; }

    /// <summary>After <see cref="ParseResult.Incomplete"/>: bytes the command needs at least, once a bulk length said so; else 0.</summary>
    public int Needed { get; private set; }

    /// <summary>After <see cref="ParseResult.ProtocolError"/>: which one.</summary>
    public ProtocolError Error { get; private set; }

    /// <summary>For <see cref="ProtocolError.ExpectedDollar"/>: the byte found instead.</summary>
    public byte Unexpected { get; private set; }

    /// <summary>Argument <paramref name="index"/> of the command just parsed from <paramref name="input"/>.</summary>
    public Span<byte> Argument(Span<byte> input, int index) => input.Slice(_starts[index], _lengths[index]);

    /// <summary>
    /// Parses the command at the start of <paramref name="input"/>. After
    /// <see cref="ParseResult.Incomplete"/> the next call must get the same bytes again, first (as
    /// a connection presents unconsumed input), with more behind them.
    /// </summary>
    public ParseResult Parse(Span<byte> input)
    {
        Needed = 0;
        if (_remaining == 0)
        {
            _count = 0;
            if (input[0] != '*') return ParseInline(input);
            int cr = input.IndexOf((byte)'\r');
            if (cr < 0 || cr + 1 >= input.Length) return Incomplete(input, input.Length, ProtocolError.TooBigMultibulkCount);
            if (!RespNumber.TryParse(input[1..cr], out long count) || count > int.MaxValue) return Fail(ProtocolError.InvalidMultibulkLength);
            // As redis: the byte after '\r' is taken to be '\n' unchecked.
            _position = cr + 2;
            if (count <= 0) return Complete();
            _remaining = (int)count;
        }
        while (_remaining > 0)
        {
            Span<byte> rest = input[_position..];
            int cr = rest.IndexOf((byte)'\r');
            if (cr < 0 || cr + 1 >= rest.Length) return Incomplete(input, rest.Length, ProtocolError.TooBigBulkCount);
            if (rest[0] != '$')
            {
                Unexpected = rest[0];
                return Fail(ProtocolError.ExpectedDollar);
            }
            int start = _position + cr + 2;
            // Redis refuses a bulk string over proto-max-bulk-len with this error; here the limit is
            // on the whole command, so a connection never buffers more than --max-frame.
            if (!RespNumber.TryParse(rest[1..cr], out long length) || length < 0 || start + length + 2 > _maxCommandBytes)
                return Fail(ProtocolError.InvalidBulkLength);
            if (input.Length - start < length + 2)
            {
                Needed = start + (int)length + 2;
                return ParseResult.Incomplete;
            }
            Add(start, (int)length);
            // As redis: the two bytes after the bulk string are skipped unchecked.
            _position = start + (int)length + 2;
            _remaining--;
        }
        return Complete();
    }

    private ParseResult Complete()
    {
        Consumed = _position;
        _position = 0;
        return ParseResult.Command;
    }

    /// <summary>No line end yet: wait for more, unless the line is already too long (redis's limit, or ours on the command).</summary>
    private ParseResult Incomplete(Span<byte> input, int lineBytes, ProtocolError tooLong)
    {
        if (lineBytes > InlineMax || input.Length >= _maxCommandBytes) return Fail(tooLong);
        return ParseResult.Incomplete;
    }

    private ParseResult Fail(ProtocolError error)
    {
        Error = error;
        _remaining = 0;
        _position = 0;
        return ParseResult.ProtocolError;
    }

    private void Add(int start, int length)
    {
        if (_count == _starts.Length)
        {
            Array.Resize(ref _starts, _count * 2);
            Array.Resize(ref _lengths, _count * 2);
        }
        _starts[_count] = start;
        _lengths[_count] = length;
        _count++;
    }

    private ParseResult ParseInline(Span<byte> input)
    {
        int newline = input.IndexOf((byte)'\n');
        if (newline < 0) return Incomplete(input, input.Length, ProtocolError.TooBigInlineRequest);
        int end = newline > 0 && input[newline - 1] == '\r' ? newline - 1 : newline;
        // Redis splits the line as a C string: it ends at the first NUL.
        int nul = input[..end].IndexOf((byte)0);
        if (nul >= 0) end = nul;
        if (!SplitInPlace(input, end)) return Fail(ProtocolError.UnbalancedQuotes);
        _position = newline + 1;
        return Complete();
    }

    /// <summary>
    /// Splits input[0, end) into arguments as redis's sdssplitargs does: separated by white space;
    /// "double quotes" with \n \r \t \b \a \\ \" and \xHH escapes; 'single quotes' with \' only;
    /// a closing quote must be followed by white space or the end. Unescaped bytes are written
    /// back over the line (never ahead of where they are read). Returns false for unbalanced quotes.
    /// </summary>
    private bool SplitInPlace(Span<byte> line, int end)
    {
        int read = 0, write = 0;
        while (true)
        {
            while (read < end && IsSpace(line[read])) read++;
            if (read == end) return true;
            int start = write;
            bool inDouble = false, inSingle = false;
            while (true)
            {
                byte b = read < end ? line[read] : (byte)0;
                bool atEnd = read >= end;
                if (inDouble)
                {
                    if (atEnd) return false;
                    if (b == '\\' && read + 3 < end && line[read + 1] == 'x' && IsHex(line[read + 2]) && IsHex(line[read + 3]))
                    {
                        line[write++] = (byte)(HexValue(line[read + 2]) * 16 + HexValue(line[read + 3]));
                        read += 4;
                        continue;
                    }
                    if (b == '\\' && read + 1 < end)
                    {
                        read++;
                        line[write++] = line[read] switch
                        {
                            (byte)'n' => (byte)'\n',
                            (byte)'r' => (byte)'\r',
                            (byte)'t' => (byte)'\t',
                            (byte)'b' => (byte)'\b',
                            (byte)'a' => (byte)'\a',
                            byte other => other,
                        };
                        read++;
                        continue;
                    }
                    if (b == '"')
                    {
                        if (read + 1 < end && !IsSpace(line[read + 1])) return false;
                        read++;
                        break;
                    }
                    line[write++] = b;
                    read++;
                }
                else if (inSingle)
                {
                    if (atEnd) return false;
                    if (b == '\\' && read + 1 < end && line[read + 1] == '\'')
                    {
                        line[write++] = (byte)'\'';
                        read += 2;
                        continue;
                    }
                    if (b == '\'')
                    {
                        if (read + 1 < end && !IsSpace(line[read + 1])) return false;
                        read++;
                        break;
                    }
                    line[write++] = b;
                    read++;
                }
                else
                {
                    if (atEnd || b == ' ' || b == '\n' || b == '\r' || b == '\t') break;
                    read++;
                    if (b == '"') inDouble = true;
                    else if (b == '\'') inSingle = true;
                    else line[write++] = b;
                }
            }
            Add(start, write - start);
        }
    }

    private static bool IsSpace(byte b) => b == ' ' || (b >= '\t' && b <= '\r');

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
