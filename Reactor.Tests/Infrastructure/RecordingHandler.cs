using System;
using System.Collections.Concurrent;
using System.Threading;

namespace Reactor.Tests.Infrastructure;

/// <summary>Wraps a handler and records every close with its reason and the bytes it lost.</summary>
public sealed class RecordingHandler(IConnectionHandler inner) : IConnectionHandler
{
    private int _opened;

    public ConcurrentQueue<(CloseReason Reason, long Lost)> Closes { get; } = new();
    public int Opened => Volatile.Read(ref _opened);

    public void OnOpen(Connection connection)
    {
        Interlocked.Increment(ref _opened);
        inner.OnOpen(connection);
    }

    public int OnData(Connection connection, Span<byte> data) => inner.OnData(connection, data);

    public void OnPeerShutdown(Connection connection) => inner.OnPeerShutdown(connection);

    public void OnDrained(Connection connection) => inner.OnDrained(connection);

    public void OnClose(Connection connection, CloseReason reason)
    {
        Closes.Enqueue((reason, connection.PendingBytes));
        inner.OnClose(connection, reason);
    }
}
