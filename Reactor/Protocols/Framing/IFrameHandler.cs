using System;

namespace Reactor.Protocols.Framing;

/// <summary>
/// What a framed protocol does with whole messages. A decoder (<see cref="LengthPrefixFraming"/>,
/// <see cref="LineFraming"/>) sits between the connection and this handler: it reassembles the byte
/// stream, whatever way it was split or joined on the wire, and hands over one frame per call.
/// Callbacks run on the connection's loop thread, as <see cref="IConnectionHandler"/>'s do.
/// </summary>
public interface IFrameHandler
{
    /// <summary>A connection was accepted (or an outgoing one established). Does nothing by default.</summary>
    void OnOpen(Connection connection) { }

    /// <summary>
    /// One whole frame: the payload without its length prefix or line ending. The span points
    /// into the connection's input (a frame that arrived in one read is never copied), is valid
    /// only during this call, and may be modified in place. Frames are handed over in the order
    /// they arrived; after <see cref="Connection.PauseReading"/> or a close in this call no
    /// further frame is, until reading resumes.
    /// </summary>
    void OnFrame(Connection connection, Span<byte> frame);

    /// <summary>The connection closed. A frame that was only partly received is dropped. Does nothing by default.</summary>
    void OnClose(Connection connection, CloseReason reason) { }
}
