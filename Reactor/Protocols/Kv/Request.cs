using System;

namespace Reactor.Protocols.Kv;

/// <summary>One parsed command as the command implementations see it: its arguments (spans of the connection's input), where to reply, and the keyspace.</summary>
internal readonly ref struct Request
{
    private readonly Span<byte> _input;
    private readonly RespParser _parser;

    public Request(Connection connection, Keyspace keyspace, RespParser parser, Span<byte> input)
    {
        Connection = connection;
        Keyspace = keyspace;
        _parser = parser;
        _input = input;
        Now = connection.Loop.NowMilliseconds;
    }

    public Connection Connection { get; }
    public Keyspace Keyspace { get; }

    /// <summary>Loop-clock milliseconds: the time expiries are set and checked against.</summary>
    public long Now { get; }

    /// <summary>Arguments, the command name included.</summary>
    public int Count => _parser.Count;

    public Span<byte> this[int index] => _parser.Argument(_input, index);
}
