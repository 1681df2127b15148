using System;

namespace Reactor.Protocols.Kv;

/// <summary>
/// One connection of <c>reactor kv</c>: parses the RESP2 commands in each read in place, runs
/// them against the shared <see cref="Keyspace"/> and batches the replies, so one read of
/// pipelined commands is answered with one sendmsg. A command larger than a read waits in the
/// connection's input (up to the command limit); once a bulk string's length is known the
/// connection is asked for the whole of it at once (<see cref="Connection.NeedInput"/>), so
/// it is copied at most once. Malformed input is answered with redis's
/// <c>-ERR Protocol error: …</c> and the connection closes after the reply.
/// </summary>
public sealed class KvHandler : IConnectionHandler
{
    private readonly Keyspace _keyspace;
    private readonly RespParser _parser;
    private readonly int _maxCommandBytes;

    /// <param name="keyspace">The keys and values, shared by every connection on every loop.</param>
    /// <param name="maxCommandBytes">The most bytes one command may take on the wire, bulk strings included.</param>
    public KvHandler(Keyspace keyspace, int maxCommandBytes)
    {
        _keyspace = keyspace;
        _maxCommandBytes = maxCommandBytes;
        _parser = new RespParser(maxCommandBytes);
    }

    /// <summary>A handler factory for <see cref="LoopGroup.Serve(Func{Connection, IConnectionHandler})"/>; the first connection's loop runs the keyspace's expiry sweep.</summary>
    public static Func<Connection, IConnectionHandler> Factory(Keyspace keyspace, int maxCommandBytes) => connection =>
    {
        keyspace.StartSweeping(connection.Loop);
        return new KvHandler(keyspace, maxCommandBytes);
    };

    public void OnOpen(Connection connection) => connection.MaxInputBytes = _maxCommandBytes;

    public int OnData(Connection connection, Span<byte> data)
    {
        int consumed = 0;
        // Output above the high-water mark stops the loop: the rest of the input waits, kept by the
        // connection, until the peer has read the replies (reading pauses meanwhile).
        while (consumed < data.Length && connection.IsWritable)
        {
            Span<byte> input = data[consumed..];
            switch (_parser.Parse(input))
            {
                case ParseResult.Incomplete:
                    if (_parser.Needed > input.Length) connection.NeedInput(_parser.Needed);
                    return consumed;
                case ParseResult.ProtocolError:
                    ReplyProtocolError(connection);
                    connection.Close(CloseReason.ProtocolError);
                    return data.Length;
            }
            if (_parser.Count > 0) KvCommands.Execute(new Request(connection, _keyspace, _parser, input));
            consumed += _parser.Consumed;
        }
        return consumed;
    }

    public void OnClose(Connection connection, CloseReason reason) { }

    private void ReplyProtocolError(Connection connection)
    {
        ReadOnlySpan<byte> message = _parser.Error switch
        {
            ProtocolError.TooBigInlineRequest => "-ERR Protocol error: too big inline request\r\n"u8,
            ProtocolError.UnbalancedQuotes => "-ERR Protocol error: unbalanced quotes in request\r\n"u8,
            ProtocolError.TooBigMultibulkCount => "-ERR Protocol error: too big mbulk count string\r\n"u8,
            ProtocolError.InvalidMultibulkLength => "-ERR Protocol error: invalid multibulk length\r\n"u8,
            ProtocolError.TooBigBulkCount => "-ERR Protocol error: too big bulk count string\r\n"u8,
            ProtocolError.InvalidBulkLength => "-ERR Protocol error: invalid bulk length\r\n"u8,
            _ => default,
        };
        if (!message.IsEmpty)
        {
            RespReply.Raw(connection, message);
            return;
        }
        var error = new ErrorReply(connection);
        error.Append("Protocol error: expected '$', got '");
        error.Append([_parser.Unexpected]);
        error.Append("'");
        error.Send();
    }
}
