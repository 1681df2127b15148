using System;
using System.Runtime.InteropServices;
using Reactor.Interop;
using static Reactor.Interop.Libc;

namespace Reactor.Backends;

/// <summary>
/// Level-triggered epoll with an eventfd for wakeups. Level-triggered because the loop reads once
/// per readiness (like the reference C server) and a registration that is not drained is reported
/// again, so fairness budgets and backpressure need no bookkeeping. EPOLLOUT is registered only
/// while output is queued, so a connection costs no epoll_ctl per message.
/// </summary>
internal sealed unsafe class EpollPoller : Poller
{
    // struct epoll_event is packed on x86-64 only (see Libc.epoll_event).
    internal static readonly bool IsPacked = RuntimeInformation.ProcessArchitecture == Architecture.X64;
    internal static readonly int EventSize = IsPacked ? sizeof(epoll_event) : sizeof(epoll_event_aligned);

    private readonly int _epfd;
    private readonly int _eventfd;
    private readonly int _capacity;
    private readonly byte* _kernelEvents;

    public EpollPoller(int batchSize)
    {
        _capacity = batchSize;
        _epfd = Sys.ThrowIfError(Sys.Check(epoll_create1(EPOLL_CLOEXEC)), "epoll_create1");
        _eventfd = EventFd.Create();
        if (_eventfd < 0)
        {
            Sys.Close(_epfd);
            throw new ReactorException("eventfd", Sys.ErrorOf(_eventfd));
        }
        _kernelEvents = (byte*)NativeMemory.Alloc((nuint)(batchSize * EventSize));
        Sys.ThrowIfError(Control(EPOLL_CTL_ADD, _eventfd, WakeToken, EPOLLIN), "epoll_ctl(ADD, eventfd)");
    }

    public override string Name => "epoll";

    public override int Add(int fd, ulong token, Interest interest, ReadKind kind) => Control(EPOLL_CTL_ADD, fd, token, ToEpoll(interest));

    public override int Modify(int fd, ulong token, Interest interest, ReadKind kind) => Control(EPOLL_CTL_MOD, fd, token, ToEpoll(interest));

    public override int Remove(int fd)
    {
        // Kernels before 2.6.9 demand a non-null event for EPOLL_CTL_DEL; pass one anyway.
        byte* ev = stackalloc byte[16];
        return Sys.Check(epoll_ctl(_epfd, EPOLL_CTL_DEL, fd, ev));
    }

    public override int Wait(Span<ReadyEvent> events, int timeoutMs)
    {
        int max = Math.Min(events.Length, _capacity);
        int n = Sys.Check(epoll_wait(_epfd, _kernelEvents, max, timeoutMs));
        if (n <= 0)
        {
            if (n == 0 || n == -(int)ErrorCode.Interrupted) return 0;
            throw new ReactorException("epoll_wait", Sys.ErrorOf(n));
        }
        for (int i = 0; i < n; i++)
        {
            uint flags;
            ulong data;
            if (IsPacked)
            {
                epoll_event* e = (epoll_event*)_kernelEvents + i;
                flags = e->events;
                data = e->data;
            }
            else
            {
                epoll_event_aligned* e = (epoll_event_aligned*)_kernelEvents + i;
                flags = e->events;
                data = e->data;
            }
            events[i].Token = data;
            events[i].Readiness = FromEpoll(flags);
        }
        return n;
    }

    public override void Wake() => EventFd.Signal(_eventfd);

    public override void ClearWake() => EventFd.Clear(_eventfd);

    public override void Dispose()
    {
        Sys.Close(_eventfd);
        Sys.Close(_epfd);
        NativeMemory.Free(_kernelEvents);
    }

    private int Control(int op, int fd, ulong token, uint flags)
    {
        byte* buffer = stackalloc byte[16];
        if (IsPacked)
        {
            *(epoll_event*)buffer = new epoll_event { events = flags, data = token };
        }
        else
        {
            *(epoll_event_aligned*)buffer = new epoll_event_aligned { events = flags, data = token };
        }
        return Sys.Check(epoll_ctl(_epfd, op, fd, buffer));
    }

    private static uint ToEpoll(Interest interest)
    {
        uint flags = 0;
        if ((interest & Interest.Read) != 0) flags |= EPOLLIN | EPOLLRDHUP;
        if ((interest & Interest.Write) != 0) flags |= EPOLLOUT;
        return flags;
    }

    private static Readiness FromEpoll(uint flags)
    {
        Readiness r = Readiness.None;
        if ((flags & EPOLLIN) != 0) r |= Readiness.Readable;
        if ((flags & EPOLLOUT) != 0) r |= Readiness.Writable;
        // RDHUP is a half-close, not a hang-up: the reader still drains data and reads EOF.
        if ((flags & (EPOLLRDHUP | EPOLLHUP)) != 0) r |= Readiness.Hangup;
        if ((flags & EPOLLERR) != 0) r |= Readiness.Error;
        return r;
    }
}
