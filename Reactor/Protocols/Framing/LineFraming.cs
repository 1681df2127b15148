using System;

namespace Reactor.Protocols.Framing;

/// <summary>
/// Frames as lines ending in <c>\n</c>; a <c>\r</c> before it is stripped too, so telnet and nc
/// users both work. Each line is handed to the <see cref="IFrameHandler"/> without its ending,
/// straight from the read buffer when it arrived in one read. A line longer than
/// <see cref="MaxLineBytes"/> (without its ending) closes the connection with
/// <see cref="CloseReason.ProtocolError"/> as soon as that is certain, after the output queued so far.
/// </summary>
/// <remarks>
/// Remembers how far an incomplete line was searched, so a long line that trickles in byte by byte
/// is searched once, not once per read: create one per connection
/// (<see cref="LoopGroup.Serve(Func{Connection, IConnectionHandler})"/>).
/// </remarks>
public sealed class LineFraming : IConnectionHandler
{
    /// <summary>The default <see cref="MaxLineBytes"/>: 64 KiB, redis's limit for an inline command.</summary>
    public const int DefaultMaxLineBytes = 64 * 1024;

    private readonly IFrameHandler _handler;
    private int _searched;   // bytes of the incomplete line at the start of the input already known to hold no '\n'

    /// <param name="handler">Receives the lines.</param>
    /// <param name="maxLineBytes">The longest line accepted, without its ending.</param>
    public LineFraming(IFrameHandler handler, int maxLineBytes = DefaultMaxLineBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLineBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLineBytes, int.MaxValue - 2);
        _handler = handler;
        MaxLineBytes = maxLineBytes;
    }

    /// <summary>The longest line accepted, without its ending.</summary>
    public int MaxLineBytes { get; }

    /// <summary>
    /// Queues <paramref name="line"/> followed by <c>\n</c>, copied into pool memory, to leave with
    /// the rest of this loop iteration's output in one syscall. Returns as <see cref="Connection.Write"/> does.
    /// </summary>
    public static bool WriteLine(Connection connection, ReadOnlySpan<byte> line) => connection.Write(line) && connection.Write("\n"u8);

    public void OnOpen(Connection connection)
    {
        // The longest line with "\r\n" fits; a longer one is refused here before the connection's backstop.
        connection.MaxInputBytes = Math.Max(connection.MaxInputBytes, MaxLineBytes + 2);
        _handler.OnOpen(connection);
    }

    public int OnData(Connection connection, Span<byte> data)
    {
        int consumed = 0;
        while (true)
        {
            int newline = data[(consumed + _searched)..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                _searched = data.Length - consumed;
                // Even if the next byte ended it, with at most one '\r' stripped, the line is too long.
                if (_searched > MaxLineBytes + 1) Refuse(connection);
                return consumed;
            }
            int end = consumed + _searched + newline;
            _searched = 0;
            int length = end - consumed;
            if (length > 0 && data[end - 1] == '\r') length--;
            if (length > MaxLineBytes)
            {
                Refuse(connection);
                return data.Length;
            }
            _handler.OnFrame(connection, data.Slice(consumed, length));
            consumed = end + 1;
            if (!connection.IsOpen || connection.IsReadingPaused) return consumed;
        }
    }

    public void OnClose(Connection connection, CloseReason reason) => _handler.OnClose(connection, reason);

    private void Refuse(Connection connection)
    {
        _searched = 0;
        connection.Close(CloseReason.ProtocolError);
    }
}
