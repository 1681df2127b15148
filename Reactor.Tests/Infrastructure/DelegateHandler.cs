using System;

namespace Reactor.Tests.Infrastructure;

/// <summary>
/// A handler assembled from delegates, for tests that need one or two callbacks of their own.
/// A callback left null behaves as <see cref="IConnectionHandler"/>'s default (or does nothing;
/// OnData consumes everything).
/// </summary>
public sealed class DelegateHandler : IConnectionHandler
{
    public Action<Connection>? Open { get; init; }
    public Func<Connection, Span<byte>, int>? Data { get; init; }
    public Action<Connection>? PeerShutdown { get; init; }
    public Action<Connection>? Drained { get; init; }
    public Action<Connection, CloseReason>? Closed { get; init; }

    public void OnOpen(Connection connection) => Open?.Invoke(connection);

    public int OnData(Connection connection, Span<byte> data) => Data is null ? data.Length : Data(connection, data);

    public void OnPeerShutdown(Connection connection)
    {
        if (PeerShutdown is null) connection.ShutdownWrite();   // the interface's default
        else PeerShutdown(connection);
    }

    public void OnDrained(Connection connection) => Drained?.Invoke(connection);

    public void OnClose(Connection connection, CloseReason reason) => Closed?.Invoke(connection, reason);
}
