using System;
using System.Buffers.Binary;

namespace Reactor.Protocols.Framing;

/// <summary>
/// Frames as a 4-byte big-endian length followed by that many bytes (Python's
/// <c>struct.pack('!I', n) + payload</c>); a zero-length frame is valid. A frame of up to
/// <see cref="MaxFrameBytes"/> is handed to the <see cref="IFrameHandler"/> whole: one that
/// arrived in one read straight from the read buffer, a larger one after its header named its size
/// and the connection sized its input for it once (<see cref="Connection.NeedInput"/>: every byte is
/// copied at most once, however many reads it takes). A header announcing more than the limit
/// closes the connection with <see cref="CloseReason.ProtocolError"/> after the output queued so
/// far; a peer that stalls mid-frame meets <see cref="ReactorOptions.IdleTimeout"/>.
/// </summary>
/// <remarks>
/// Holds no per-connection state: one instance may serve every connection if its frame handler can.
/// </remarks>
public sealed class LengthPrefixFraming : IConnectionHandler
{
    /// <summary>Bytes of the length prefix.</summary>
    public const int HeaderSize = 4;

    /// <summary>The default <see cref="MaxFrameBytes"/>: 16 MiB.</summary>
    public const int DefaultMaxFrameBytes = 16 << 20;

    private readonly IFrameHandler _handler;

    /// <param name="handler">Receives the frames.</param>
    /// <param name="maxFrameBytes">The largest payload accepted; a larger header closes the connection.</param>
    public LengthPrefixFraming(IFrameHandler handler, int maxFrameBytes = DefaultMaxFrameBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxFrameBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxFrameBytes, int.MaxValue - HeaderSize);
        _handler = handler;
        MaxFrameBytes = maxFrameBytes;
    }

    /// <summary>The largest payload accepted.</summary>
    public int MaxFrameBytes { get; }

    /// <summary>
    /// Queues <paramref name="payload"/> as one frame, copied into pool memory with its header, to
    /// leave with the rest of this loop iteration's output in one syscall (<see cref="Connection.Write"/>):
    /// the choice for many small frames. Returns as <see cref="Connection.Write"/> does.
    /// </summary>
    public static bool WriteFrame(Connection connection, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteInt32BigEndian(header, payload.Length);
        return connection.Write(header) && connection.Write(payload);
    }

    /// <summary>
    /// Sends <paramref name="payload"/> as one frame now: the header (with any output batched
    /// earlier in this iteration) and the payload go out in one gathered syscall, straight from the
    /// caller's memory (<see cref="Connection.Send"/>): the choice for large frames. Returns as
    /// <see cref="Connection.Send"/> does.
    /// </summary>
    public static bool SendFrame(Connection connection, ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteInt32BigEndian(header, payload.Length);
        return connection.Write(header) && connection.Send(payload);
    }

    public void OnOpen(Connection connection)
    {
        // Room for the largest frame with its header, so that the frame is handed over whole.
        connection.MaxInputBytes = Math.Max(connection.MaxInputBytes, HeaderSize + MaxFrameBytes);
        _handler.OnOpen(connection);
    }

    public int OnData(Connection connection, Span<byte> data)
    {
        int consumed = 0;
        while (data.Length - consumed >= HeaderSize)
        {
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[consumed..]);
            if (length > (uint)MaxFrameBytes)
            {
                connection.Close(CloseReason.ProtocolError);
                return data.Length;
            }
            int frameSize = HeaderSize + (int)length;
            if (data.Length - consumed < frameSize)
            {
                connection.NeedInput(frameSize);
                break;
            }
            _handler.OnFrame(connection, data.Slice(consumed + HeaderSize, (int)length));
            consumed += frameSize;
            if (!connection.IsOpen || connection.IsReadingPaused) break;
        }
        return consumed;
    }

    public void OnClose(Connection connection, CloseReason reason) => _handler.OnClose(connection, reason);
}
