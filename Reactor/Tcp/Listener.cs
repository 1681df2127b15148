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

    public Listener(EventLoop loop, int fd, Func<Connection, IConnectionHandler> newHandler, ConnectionLimit? limit) : base(loop, fd)
    {
        _newHandler = newHandler;
        _limit = limit;
        _reserveFd = Sockets.OpenReserve();
    }

    /// <summary>Registers with the loop's poller. Call before the loop thread starts, or on it.</summary>
    public void Register() =>
        Sys.ThrowIfError(OwnerLoop.Register(this, Interest.Read), $"{OwnerLoop.BackendName}: register listener");

    internal override void OnReady(Readiness readiness)
    {
        for (int i = 0; i < AcceptBudget && Fd >= 0; i++)
        {
            int fd = Sockets.Accept(Fd);
            if (fd >= 0)
            {
                Adopt(fd);
                continue;
            }
            switch (Sys.ErrorOf(fd))
            {
                case ErrorCode.WouldBlock:
                    return;
                case ErrorCode.ConnectionAborted:
                    continue;
                case ErrorCode.TooManyOpenFiles:
                case ErrorCode.TooManyFilesInSystem:
                    OwnerLoop.Stats.acceptErrors++;
                    if (!ShedOne()) return;
                    continue;
                default:
                    // ENOBUFS, ENOMEM, EPERM (firewall): nothing to do but try again next time.
                    OwnerLoop.Stats.acceptErrors++;
                    return;
            }
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

    public void Close()
    {
        if (Fd < 0) return;
        OwnerLoop.Close(this);
        if (_reserveFd >= 0) Sys.Close(_reserveFd);
        _reserveFd = -1;
    }
}
