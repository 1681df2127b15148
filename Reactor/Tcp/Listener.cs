using System;
using System.Net;
using Reactor.Backends;
using Reactor.Interop;
using Reactor.Loop;
using static Reactor.Interop.Libc;

namespace Reactor;

/// <summary>A loop's listening socket: accepts connections and hands them to the handler.</summary>
internal sealed unsafe class Listener : Registration
{
    // Accepts per readiness event, so an accept storm cannot starve the loop's connections;
    // the listener stays readable (level-triggered) and the rest are accepted next iteration.
    private const int AcceptBudget = 64;

    private readonly EventLoop _loop;
    private readonly IConnectionHandler _handler;
    private readonly ConnectionLimit? _limit;
    private int _fd;
    private int _spareFd;

    public Listener(EventLoop loop, int fd, IConnectionHandler handler, ConnectionLimit? limit)
    {
        _loop = loop;
        _fd = fd;
        _handler = handler;
        _limit = limit;
        _spareFd = OpenSpare();
    }

    /// <summary>Registers with the loop's poller. Call before the loop thread starts, or on it.</summary>
    public void Register()
    {
        Token = _loop.Slots.Add(this);
        Sys.ThrowIfError(_loop.Poller.Add(_fd, Token, Interest.Read), "epoll_ctl(ADD, listener)");
    }

    internal override void OnReady(Readiness readiness)
    {
        for (int i = 0; i < AcceptBudget && _fd >= 0; i++)
        {
            int fd = Sys.Check(accept4(_fd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC));
            if (fd >= 0)
            {
                Adopt(fd);
                continue;
            }
            switch (-fd)
            {
                case Errno.EAGAIN:
                    return;
                case Errno.EINTR:
                case Errno.ECONNABORTED:
                    continue;
                case Errno.EMFILE:
                case Errno.ENFILE:
                    _loop.Stats.acceptErrors++;
                    if (!ShedOne()) return;
                    continue;
                default:
                    // ENOBUFS, ENOMEM, EPERM (firewall): nothing to do but try again next time.
                    _loop.Stats.acceptErrors++;
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
            _loop.Stats.rejected++;
            return;
        }
        if (_loop.Options.NoDelay) SocketOps.EnableNoDelay(fd);
        if (new Connection(_loop, fd, _handler, _limit).Open()) _loop.Stats.accepted++;
    }

    /// <summary>
    /// Out of fds: the pending connection would keep the listener readable and the loop would spin.
    /// Free the spare fd, accept the connection and close it at once, then take the spare back
    /// (libuv and libev do the same). Returns false when even that failed.
    /// </summary>
    private bool ShedOne()
    {
        if (_spareFd < 0)
        {
            _spareFd = OpenSpare();
            return false;
        }
        Sys.Close(_spareFd);
        int fd = Sys.Check(accept4(_fd, null, null, SOCK_CLOEXEC));
        if (fd >= 0)
        {
            Sys.Close(fd);
            _loop.Stats.rejected++;
        }
        _spareFd = OpenSpare();
        return fd >= 0;
    }

    private static int OpenSpare() => Sys.Check(open("/dev/null", O_RDONLY | O_CLOEXEC));

    internal override void OnLoopStopping() => Close();

    public void Close()
    {
        if (_fd < 0) return;
        _loop.Poller.Remove(_fd);
        Sys.Close(_fd);
        _fd = -1;
        _loop.Slots.Remove(Token);
        if (_spareFd >= 0) Sys.Close(_spareFd);
        _spareFd = -1;
    }
}
