using System;
using System.Net;
using System.Net.Sockets;
using Reactor.Backends;
using Reactor.Interop;
using Reactor.Loop;
using static Reactor.Interop.Libc;

namespace Reactor;

/// <summary>
/// An outgoing connect in progress: a nonblocking socket registered for writability. When it
/// becomes writable SO_ERROR tells the outcome; on success the socket becomes a
/// <see cref="Connection"/> of the same loop, on failure (or at the deadline) the caller's
/// failure callback gets the errno.
/// </summary>
internal sealed unsafe class Connector : Registration
{
    private static readonly Action<object?> TimedOut = static state => ((Connector)state!).Fail(Errno.ETIMEDOUT);

    private readonly EventLoop _loop;
    private readonly IConnectionHandler _handler;
    private readonly Action<int> _onFailed;
    private int _fd;
    private bool _registered;
    private TimerHandle _timer;

    private Connector(EventLoop loop, int fd, IConnectionHandler handler, Action<int> onFailed)
    {
        _loop = loop;
        _fd = fd;
        _handler = handler;
        _onFailed = onFailed;
    }

    /// <summary>Starts connecting; every outcome, even an immediate one, reaches the handler or <paramref name="onFailed"/>.</summary>
    public static void Start(EventLoop loop, IPEndPoint remote, IPAddress? source, TimeSpan timeout, IConnectionHandler handler, Action<int> onFailed)
    {
        int fd = Sys.Check(socket(SocketOps.FamilyOf(remote.Address), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        var connector = new Connector(loop, fd, handler, onFailed);
        if (fd < 0)
        {
            connector.Report(-fd);
            return;
        }
        int rc = connector.Begin(remote, source);
        if (rc == 0) connector.Succeed();
        else if (rc != -Errno.EINPROGRESS) connector.Fail(-rc);
        else connector.Wait(timeout);
    }

    private int Begin(IPEndPoint remote, IPAddress? source)
    {
        if (_loop.Options.NoDelay) SocketOps.EnableNoDelay(_fd);
        sockaddr_storage sa;
        if (source is not null)
        {
            // Leave the port to connect(2): binding picks it without knowing the destination, so
            // many connections from one source address would run out of ports much sooner.
            int one = 1;
            if (source.AddressFamily == AddressFamily.InterNetwork) setsockopt(_fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(int));
            uint sourceLength = SocketOps.ToSockaddr(source, 0, &sa);
            int bound = Sys.Check(bind(_fd, &sa, sourceLength));
            if (bound < 0) return bound;
        }
        uint length = SocketOps.ToSockaddr(remote.Address, remote.Port, &sa);
        return Sys.Check(connect(_fd, &sa, length));
    }

    private void Wait(TimeSpan timeout)
    {
        Token = _loop.Slots.Add(this);
        int rc = _loop.Poller.Add(_fd, Token, Interest.Write);
        if (rc < 0)
        {
            _loop.Slots.Remove(Token);
            Fail(-rc);
            return;
        }
        _registered = true;
        if (timeout > TimeSpan.Zero) _timer = _loop.Schedule(timeout, TimedOut, this);
    }

    internal override void OnReady(Readiness readiness)
    {
        int error = 0;
        uint length = sizeof(int);
        int rc = Sys.Check(getsockopt(_fd, SOL_SOCKET, SO_ERROR, &error, &length));
        if (rc < 0) error = -rc;
        Unregister();
        if (error == 0) Succeed();
        else Fail(error);
    }

    internal override void OnLoopStopping()
    {
        Unregister();
        Fail(Errno.ECANCELED);
    }

    private void Unregister()
    {
        if (!_registered) return;
        _registered = false;
        _loop.Cancel(_timer);
        _loop.Poller.Remove(_fd);
        _loop.Slots.Remove(Token);
    }

    private void Succeed()
    {
        int fd = _fd;
        _fd = -1;
        if (new Connection(_loop, fd, _handler, null).Open()) _loop.Stats.connected++;
        else Report(Errno.ENOMEM);
    }

    private void Fail(int errno)
    {
        Unregister();
        if (_fd < 0) return;
        Sys.Close(_fd);
        _fd = -1;
        Report(errno);
    }

    private void Report(int errno)
    {
        _loop.Stats.connectFailures++;
        _onFailed(errno);
    }
}
