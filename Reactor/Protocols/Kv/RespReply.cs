using System;

namespace Reactor.Protocols.Kv;

/// <summary>
/// RESP2 replies, batched into the connection's output (<see cref="Connection.GetSpan"/> /
/// <see cref="Connection.Write"/>): the replies to every command of one read leave in one sendmsg.
/// </summary>
internal static class RespReply
{
    // Room for a type byte, a long in decimal and CRLF.
    private const int HeaderRoom = 1 + RespNumber.MaxDigits + 2;

    public static ReadOnlySpan<byte> Ok => "+OK\r\n"u8;
    public static ReadOnlySpan<byte> Pong => "+PONG\r\n"u8;
    public static ReadOnlySpan<byte> NullBulk => "$-1\r\n"u8;
    public static ReadOnlySpan<byte> NullArray => "*-1\r\n"u8;
    public static ReadOnlySpan<byte> EmptyArray => "*0\r\n"u8;
    public static ReadOnlySpan<byte> Zero => ":0\r\n"u8;
    public static ReadOnlySpan<byte> One => ":1\r\n"u8;

    // redis's shared error objects and addReplyError strings (server.c, object.c, t_string.c).
    public static ReadOnlySpan<byte> WrongType => "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"u8;
    public static ReadOnlySpan<byte> NotAnInteger => "-ERR value is not an integer or out of range\r\n"u8;
    public static ReadOnlySpan<byte> SyntaxError => "-ERR syntax error\r\n"u8;
    public static ReadOnlySpan<byte> NotPositive => "-ERR value is out of range, must be positive\r\n"u8;
    public static ReadOnlySpan<byte> Overflow => "-ERR increment or decrement would overflow\r\n"u8;
    public static ReadOnlySpan<byte> DecrementOverflow => "-ERR decrement would overflow\r\n"u8;

    /// <summary>A reply spelled out in full (a status, an error, a fixed integer).</summary>
    public static void Raw(Connection connection, ReadOnlySpan<byte> reply) => connection.Write(reply);

    public static void Integer(Connection connection, long value) => Header(connection, (byte)':', value);

    /// <summary><c>*count</c>: the elements follow as their own replies.</summary>
    public static void ArrayHeader(Connection connection, long count) => Header(connection, (byte)'*', count);

    public static void Bulk(Connection connection, ReadOnlySpan<byte> value)
    {
        int room = HeaderRoom + value.Length + 2;
        if (room > connection.Loop.Buffers.ChunkSize)
        {
            // Larger than one buffer: the header, then the value copied straight from the keyspace.
            Header(connection, (byte)'$', value.Length);
            connection.Write(value);
            connection.Write("\r\n"u8);
            return;
        }
        Span<byte> span = connection.GetSpan(room);
        span[0] = (byte)'$';
        int n = 1 + RespNumber.Format(value.Length, span[1..]);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        value.CopyTo(span[n..]);
        n += value.Length;
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        connection.Advance(n);
    }

    private static void Header(Connection connection, byte type, long value)
    {
        Span<byte> span = connection.GetSpan(HeaderRoom);
        span[0] = type;
        int n = 1 + RespNumber.Format(value, span[1..]);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        connection.Advance(n);
    }
}

/// <summary>
/// An error reply composed from fixed text and user bytes (a command name, an argument), written
/// into the connection's output: <c>-ERR </c>, the parts, CRLF. CR and LF inside are replaced by
/// spaces so user bytes cannot break the protocol, as redis's sdsmapchars does.
/// </summary>
internal ref struct ErrorReply
{
    /// <summary>The most bytes of one error's text; callers cut user bytes (redis prints at most 128 of each).</summary>
    public const int MaxText = 480;

    private readonly Connection _connection;
    private readonly Span<byte> _span;
    private int _length;

    public ErrorReply(Connection connection)
    {
        _connection = connection;
        _span = connection.GetSpan(MaxText + 16);
        "-ERR "u8.CopyTo(_span);
        _length = 5;
    }

    public void Append(string text)
    {
        foreach (char c in text) _span[_length++] = (byte)c;
    }

    public void Append(scoped ReadOnlySpan<byte> user)
    {
        foreach (byte b in user) _span[_length++] = b == '\r' || b == '\n' ? (byte)' ' : b;
    }

    /// <summary>The text so far, beyond the "-ERR " prefix.</summary>
    public readonly int TextLength => _length - 5;

    public void Send()
    {
        _span[_length++] = (byte)'\r';
        _span[_length++] = (byte)'\n';
        _connection.Advance(_length);
    }
}
