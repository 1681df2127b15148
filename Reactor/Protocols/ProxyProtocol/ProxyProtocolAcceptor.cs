using System;

namespace Reactor.Protocols.ProxyProtocol;

/// <summary>
/// Wraps a server's handler so its listener accepts PROXY protocol headers (v1 or v2, as
/// <c>--accept-proxy</c> does): the header is read and stripped first, the addresses it names
/// become the connection's <see cref="Connection.RemoteEndPoint"/> and
/// <see cref="Connection.LocalEndPoint"/>, and only then does the inner handler see the
/// connection (OnOpen) and the bytes after the header. A connection whose first bytes are not a
/// valid header, or that ends before the header does, is closed with
/// <see cref="CloseReason.ProtocolError"/> without the inner handler ever hearing of it.
/// As the specification requires, a listener either expects the header on every connection or on none.
/// </summary>
public sealed class ProxyProtocolAcceptor(IConnectionHandler inner) : IConnectionHandler
{
    private bool _opened;   // the header was read and the inner handler owns the connection
    private int _maxInput;

    public void OnOpen(Connection connection)
    {
        // A v2 header may carry up to 64 KiB of TLVs; the protocol's own limit is restored after it.
        _maxInput = connection.MaxInputBytes;
        connection.MaxInputBytes = Math.Max(_maxInput, ProxyHeader.MaxV2Length);
    }

    public int OnData(Connection connection, Span<byte> data)
    {
        if (_opened) return inner.OnData(connection, data);
        switch (ProxyHeader.TryParse(data, out int length, out var source, out var destination))
        {
            case ProxyHeader.ParseStatus.Incomplete:
                return 0;
            case ProxyHeader.ParseStatus.Invalid:
                connection.Abort(CloseReason.ProtocolError);
                return data.Length;
        }
        if (source is not null)
        {
            connection.RemoteEndPoint = source;
            connection.LocalEndPoint = destination;
        }
        connection.MaxInputBytes = _maxInput;
        _opened = true;
        inner.OnOpen(connection);
        if (length == data.Length || !connection.IsOpen) return data.Length;
        return length + inner.OnData(connection, data[length..]);
    }

    public void OnPeerShutdown(Connection connection)
    {
        if (_opened) inner.OnPeerShutdown(connection);
        else connection.Abort(CloseReason.ProtocolError);   // truncated header
    }

    public void OnDrained(Connection connection)
    {
        if (_opened) inner.OnDrained(connection);
    }

    public void OnClose(Connection connection, CloseReason reason)
    {
        if (_opened) inner.OnClose(connection, reason);
    }
}
