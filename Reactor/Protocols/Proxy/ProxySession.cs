using System;
using Reactor.Protocols.ProxyProtocol;

namespace Reactor.Protocols.Proxy;

/// <summary>
/// One client and its backend connection, piped both ways on the client's loop. One instance
/// handles both connections (it tells them apart by reference) and is the only allocation per
/// client besides the connections themselves.
/// </summary>
/// <remarks>
/// Flow control: both connections keep reading while their own output is full
/// (<see cref="Connection.PauseReadingWhileUnwritable"/> off), since what they read goes to the
/// other side; instead, when a send leaves one side unwritable, reading the other side pauses
/// until <see cref="OnDrained"/>. So memory per client stays within one high-water mark per
/// direction however slow either peer reads. A FIN from one side becomes a shutdown of the
/// other's sending side, and the other direction keeps flowing; a reset closes the other side
/// with a reset.
/// </remarks>
public sealed class ProxySession : IConnectionHandler
{
    private readonly LoadBalancer _balancer;
    private readonly Connection _client;
    private readonly Action<ErrorCode> _onConnectFailed;
    private Connection? _server;
    private Backend? _backend;
    private ulong _tried;          // backends this client was sent to, by index bit
    private int _attempts;
    private bool _clientClosed;
    private bool _serverClosed;

    /// <summary>For <see cref="LoopGroup.Serve(Func{Connection, IConnectionHandler})"/>: <c>group.Serve(c => new ProxySession(balancer, c))</c>.</summary>
    public ProxySession(LoadBalancer balancer, Connection client)
    {
        _balancer = balancer;
        _client = client;
        _onConnectFailed = OnConnectFailed;
    }

    public void OnOpen(Connection connection)
    {
        if (connection == _client)
        {
            connection.PauseReadingWhileUnwritable = false;
            // Nothing to forward to yet: the client's bytes wait in the kernel until the backend answers.
            connection.PauseReading();
            ConnectNext();
            return;
        }
        if (_clientClosed)
        {
            // The client left while we were connecting.
            connection.Close();
            return;
        }
        _server = connection;
        connection.PauseReadingWhileUnwritable = false;
        _backend!.Connected();
        if (_balancer.Options.SendProxy != ProxyProtocolVersion.None)
        {
            // Before any client byte: the client's reading resumes only below.
            Span<byte> header = stackalloc byte[ProxyHeader.MaxWrittenLength];
            connection.Send(header[..ProxyHeader.Write(_balancer.Options.SendProxy, _client.RemoteEndPoint, _client.LocalEndPoint, header)]);
        }
        _client.ResumeReading();
    }

    public int OnData(Connection connection, Span<byte> data)
    {
        bool fromClient = connection == _client;
        Connection? to = fromClient ? _server : _client;
        // Bytes after a PROXY header (--accept-proxy) can come before the backend answers: kept, and handed over again on resume.
        if (to is null && !_serverClosed) return 0;
        if (to is null || !to.Send(data)) return data.Length;   // the other side is closing; its OnClose ends this one
        if (fromClient) _backend!.AddToBackend(data.Length);
        else _backend!.AddFromBackend(data.Length);
        if (!to.IsWritable) connection.PauseReading();
        return data.Length;
    }

    public void OnDrained(Connection connection) => Other(connection)?.ResumeReading();

    public void OnPeerShutdown(Connection connection)
    {
        Connection? other = Other(connection);
        if (other is null) connection.Close();
        else other.ShutdownWrite();
    }

    public void OnClose(Connection connection, CloseReason reason)
    {
        if (connection == _client)
        {
            _clientClosed = true;
        }
        else
        {
            _backend!.Released();
            _server = null;
            _serverClosed = true;
        }
        Connection? other = connection == _client ? _server : _client;
        if (other is null || !other.IsOpen) return;
        switch (reason)
        {
            case CloseReason.Reset:
            case CloseReason.Error:
                other.Reset(reason);
                break;
            case CloseReason.PeerClosed:
                // Both directions ended here, so the other side's are ending too: let it deliver what it holds.
                other.Close();
                break;
            default:
                other.Close(reason);
                break;
        }
    }

    private Connection? Other(Connection connection) => connection == _client ? _server : _client;

    private void ConnectNext()
    {
        Backend? backend = _balancer.Pick(_balancer.NeedsClientAddress ? _client.RemoteEndPoint?.Address : null, _tried);
        if (backend is null)
        {
            // Every backend is down (or was tried): close now rather than let the client hang.
            _balancer.CountNoBackend();
            _client.Close();
            return;
        }
        _backend = backend;
        _tried |= 1UL << backend.Index;
        _attempts++;
        _client.Loop.Connect(backend.EndPoint, this, _onConnectFailed, null, _balancer.Options.ConnectTimeout);
    }

    private void OnConnectFailed(ErrorCode error)
    {
        _backend!.Released();
        _backend.Failed(_balancer.Options.Fall);
        if (_clientClosed) return;
        if (_attempts > _balancer.Options.Retries)
        {
            _balancer.CountGaveUp();
            _client.Close();
            return;
        }
        ConnectNext();
    }
}
