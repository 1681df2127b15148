using System;

namespace Reactor;

/// <summary>
/// What a server does with its connections. One handler serves every loop of a group, and each
/// callback runs on the loop thread that owns the connection, so a handler that keeps state
/// across connections must make it safe for concurrent loops; per-connection state belongs in
/// <see cref="Connection.UserState"/>. Callbacks must not block: they run inline on the loop.
/// </summary>
public interface IConnectionHandler
{
    /// <summary>A connection was accepted.</summary>
    void OnOpen(Connection connection);

    /// <summary>
    /// Bytes arrived. <paramref name="data"/> starts with whatever the previous call left
    /// unconsumed, is valid only during this call, and may be modified in place. Returns how many
    /// bytes were consumed; the rest is kept (in a pool chunk) and presented again with the next
    /// data. A handler that consumes nothing while a whole buffer is waiting gets the
    /// connection closed with <see cref="CloseReason.ProtocolError"/>.
    /// </summary>
    int OnData(Connection connection, Span<byte> data);

    /// <summary>
    /// The connection closed. <see cref="Connection.PendingBytes"/> tells how many bytes accepted
    /// by <see cref="Connection.Send"/> were never delivered (0 unless the close was abrupt).
    /// </summary>
    void OnClose(Connection connection, CloseReason reason);
}
