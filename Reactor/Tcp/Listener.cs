using System;
using Reactor.Backends;
using Reactor.Interop;
using Reactor.Loop;
using Reactor.Platform;

namespace Reactor;

/// <summary>A loop's listening socket: accepts connections and hands each to a handler from the factory.</summary>
internal sealed class Listener : Registration
{
    // Accepts per readiness event, so an accept storm cannot starve the loop's connections;
    // the listener stays readable (level-triggered) and the rest are accepted next iteration.
    private const int AcceptBudget = 64;

    private readonly Func<Connection, IConnectionHandler> _newHandler;
    private readonly ConnectionLimit? _limit;
    private int _reserveFd;
    private bool _stopping;        // Close waits for the kernel's accept to end (io_uring)
    private bool _closeDeferred;   // it ended: the socket closes after this batch
    // io_uring's accept takes an fd before it looks for a connection, so out of fds it fails at
    // once whether one is pending or not: until an accept succeeds, wait for readiness as with epoll.
    private bool _outOfFds;
    // Other loops or processes may accept from the same socket (one inherited from a service
    // manager, or a duplicate): io_uring waits for readiness then too, not with its accept. That
    // accept waits exclusively, and with two processes accepting on one inherited socket,
    // connections stayed queued with neither woken (the restart test failed one run in two).
    private readonly bool _shared;

    public Listener(EventLoop loop, int fd, Func<Connection, IConnectionHandler> newHandler, ConnectionLimit? limit, bool shared) : base(loop, fd)
    {
        _newHandler = newHandler;
        _limit = limit;
        _shared = shared;
        _reserveFd = Sockets.OpenReserve();
    }

    /// <summary>Registers with the loop's poller. Call before the loop thread starts, or on it.</summary>
    public void Register() =>
        Sys.ThrowIfError(OwnerLoop.Register(this, Interest.Read), $"{OwnerLoop.BackendName}: register listener");

    internal override ReadKind ReadKind => _outOfFds || _shared ? ReadKind.Readiness : ReadKind.Accept;

    internal override void OnReady(in ReadyEvent ready)
    {
        if ((ready.Readiness & Readiness.Accepted) != 0)
        {
            // io_uring accepted for us: one connection or one error per event.
            OnAccepted(ready.Result);
            // Its last result came in this batch; more of its connections may follow in the same one.
            if (_stopping && !_closeDeferred && !OwnerLoop.Poller.IsAccepting(Fd))
            {
                _closeDeferred = true;
                OwnerLoop.Defer(this);
            }
        }
        else
        {
            for (int i = 0; i < AcceptBudget && Fd >= 0; i++)
            {
                if (!OnAccepted(Sockets.Accept(Fd))) break;
            }
        }
        // Out of fds or back from it: io_uring switches between its accept and readiness (epoll: no call).
        if (Fd >= 0 && !_stopping) OwnerLoop.SetInterest(this, Interest.Read);
    }

    /// <summary>
    /// Takes one accept's result: serves the connection, or counts the error and sheds a
    /// connection when out of fds. Returns false when there is nothing more to accept now.
    /// </summary>
    private bool OnAccepted(int fd)
    {
        if (fd >= 0)
        {
            _outOfFds = false;
            Adopt(fd);
            return true;
        }
        switch (Sys.ErrorOf(fd))
        {
            case ErrorCode.WouldBlock:
            case ErrorCode.Canceled:   // io_uring: the accept ended because the listener stops
                return false;
            case ErrorCode.ConnectionAborted:
                return true;
            case ErrorCode.TooManyOpenFiles:
            case ErrorCode.TooManyFilesInSystem:
                OwnerLoop.Stats.acceptErrors++;
                _outOfFds = true;
                return ShedOne();
            default:
                // ENOBUFS, ENOMEM, EPERM (firewall): nothing to do but try again next time.
                OwnerLoop.Stats.acceptErrors++;
                return false;
        }
    }

    private void Adopt(int fd)
    {
        if (_limit is not null && !_limit.TryAcquire())
        {
            // Beyond --max-connections: accept and close, so the client learns at once.
            Sys.Close(fd);
            OwnerLoop.Stats.rejected++;
            return;
        }
        // No setsockopt here: the socket inherited TCP_NODELAY, buffer sizes and keep-alive from the listener.
        var connection = new Connection(OwnerLoop, fd, _limit);
        IConnectionHandler handler;
        OwnerLoop.CallbackDepth++;
        try
        {
            handler = _newHandler(connection);
        }
        catch (Exception e)
        {
            // No handler, so no OnClose: the connection never opened. Counted as rejected.
            OwnerLoop.ReportCallbackError(e);
            connection.Discard();
            OwnerLoop.Stats.rejected++;
            return;
        }
        finally
        {
            OwnerLoop.CallbackDepth--;
        }
        if (connection.Open(handler) == ErrorCode.None) OwnerLoop.Stats.accepted++;
    }

    /// <summary>
    /// Out of fds: the pending connection would keep the listener readable and the loop would spin.
    /// Free the reserve fd, accept the connection and close it at once, then take the reserve back
    /// (libuv and libev do the same). Returns false when even that failed.
    /// </summary>
    private bool ShedOne()
    {
        if (_reserveFd < 0)
        {
            _reserveFd = Sockets.OpenReserve();
            return false;
        }
        Sys.Close(_reserveFd);
        int fd = Sockets.Accept(Fd);
        if (fd >= 0)
        {
            Sys.Close(fd);
            OwnerLoop.Stats.rejected++;
        }
        _reserveFd = Sockets.OpenReserve();
        return fd >= 0;
    }

    internal override void OnLoopStopping() => Close();

    /// <summary>
    /// Stops accepting and closes the socket. With io_uring the kernel may hold an accept that has
    /// taken connections the loop has not seen yet: it is cancelled, and the socket closes once its
    /// last connection is served (closing now would reset those clients). A second call closes at once.
    /// </summary>
    public void Close()
    {
        if (Fd < 0) return;
        if (!_stopping && OwnerLoop.Poller.IsAccepting(Fd))
        {
            _stopping = true;
            if (OwnerLoop.SetInterest(this, Interest.None) == 0) return;
        }
        CloseNow();
    }

    internal override void RunDeferred() => CloseNow();

    private void CloseNow()
    {
        if (Fd < 0) return;
        OwnerLoop.Close(this);
        if (_reserveFd >= 0) Sys.Close(_reserveFd);
        _reserveFd = -1;
    }
}
