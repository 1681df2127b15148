using System;
using System.Runtime.InteropServices;
using Reactor.Interop;
using static Reactor.Interop.Libc;

namespace Reactor.Backends;

/// <summary>How one system lays out struct kevent and numbers EVFILT_USER; the rest of kqueue is the same on both.</summary>
internal sealed unsafe record KqueueLayout(int EventSize, short UserFilter)
{
    /// <summary>macOS, 64-bit: 32-byte events, EVFILT_USER -10.</summary>
    public static readonly KqueueLayout MacOS = new(sizeof(kevent_macos), EVFILT_USER_MACOS);

    /// <summary>FreeBSD 12 and later: 64-byte events (four ext words), EVFILT_USER -11.</summary>
    public static readonly KqueueLayout FreeBsd = new(sizeof(kevent_freebsd), EVFILT_USER_FREEBSD);

    /// <summary>The running system's layout, picked at run time.</summary>
    public static KqueueLayout Current => OperatingSystem.IsFreeBSD() ? FreeBsd : MacOS;

    /// <summary>The largest event of the two, for change lists on the stack.</summary>
    public const int MaxEventSize = 64;
}

/// <summary>
/// kqueue for macOS and FreeBSD, level-triggered like <see cref="EpollPoller"/>: a socket has a
/// read and a write filter, both added on <see cref="Add"/> and the one not wanted disabled, so
/// every Add or Modify is one kevent call with a change list of two and the poller keeps no state
/// per socket. The token rides in udata. Wakeups are an EVFILT_USER event triggered with
/// NOTE_TRIGGER and added with EV_CLEAR, so reporting it re-arms it.
/// </summary>
internal sealed unsafe class KqueuePoller : Poller
{
    // EVFILT_USER idents are a namespace of their own, not fds.
    private const nuint WakeIdent = 0;

    private readonly int _kq;
    private readonly int _capacity;
    private readonly KqueueLayout _layout;
    private readonly byte* _kernelEvents;

    public KqueuePoller(int batchSize, KqueueLayout layout)
    {
        _capacity = batchSize;
        _layout = layout;
        _kq = Sys.ThrowIfError(Sys.Check(kqueue()), "kqueue");
        // kqueue(2) takes no flags on macOS (FreeBSD 13 added kqueue1): close-on-exec by fcntl.
        int rc = Sys.Check(fcntl(_kq, F_SETFD, FD_CLOEXEC));
        string call = "fcntl(F_SETFD,FD_CLOEXEC) on a kqueue";
        if (rc >= 0)
        {
            byte* change = stackalloc byte[KqueueLayout.MaxEventSize];
            Fill(change, layout, WakeIdent, layout.UserFilter, EV_ADD | EV_CLEAR, 0, WakeToken);
            rc = Submit(change, 1);
            call = "kevent(EV_ADD, EVFILT_USER)";
        }
        if (rc < 0)
        {
            Sys.Close(_kq);
            throw new ReactorException(call, Sys.ErrorOf(rc));
        }
        _kernelEvents = (byte*)NativeMemory.AllocZeroed((nuint)(batchSize * layout.EventSize));
    }

    public override string Name => "kqueue";

    public override int Add(int fd, ulong token, Interest interest, ReadKind kind) => Apply(fd, token, interest);

    public override int Modify(int fd, ulong token, Interest interest, ReadKind kind) => Apply(fd, token, interest);

    public override int Remove(int fd)
    {
        byte* changes = stackalloc byte[2 * KqueueLayout.MaxEventSize];
        Fill(changes, _layout, (nuint)fd, EVFILT_READ, EV_DELETE, 0, 0);
        Fill(changes + _layout.EventSize, _layout, (nuint)fd, EVFILT_WRITE, EV_DELETE, 0, 0);
        return Submit(changes, 2);
    }

    public override int Wait(Span<ReadyEvent> events, int timeoutMs)
    {
        int max = Math.Min(events.Length, _capacity);
        timespec timeout = new() { tv_sec = timeoutMs / 1000, tv_nsec = timeoutMs % 1000 * 1_000_000L };
        int n = Sys.Check(kevent(_kq, null, 0, _kernelEvents, max, timeoutMs < 0 ? null : &timeout));
        if (n <= 0)
        {
            if (n == 0 || n == -(int)ErrorCode.Interrupted) return 0;
            throw new ReactorException("kevent", Sys.ErrorOf(n));
        }
        for (int i = 0; i < n; i++)
        {
            // The fields read are in the first 32 bytes of both layouts; only the stride differs.
            kevent_macos* e = (kevent_macos*)(_kernelEvents + i * _layout.EventSize);
            events[i].Token = e->udata;
            events[i].Readiness = ToReadiness(e->filter, e->flags, e->fflags);
        }
        return n;
    }

    public override void Wake()
    {
        byte* change = stackalloc byte[KqueueLayout.MaxEventSize];
        Fill(change, _layout, WakeIdent, _layout.UserFilter, 0, NOTE_TRIGGER, WakeToken);
        Submit(change, 1);
    }

    public override void ClearWake()
    {
        // Nothing to do: EV_CLEAR reset the user event when kevent reported it, and a Wake after
        // that triggers it again.
    }

    public override void Dispose()
    {
        Sys.Close(_kq);
        NativeMemory.Free(_kernelEvents);
    }

    /// <summary>
    /// The flags for the read and the write filter of a socket registered for <paramref name="interest"/>.
    /// EV_ADD adds a filter or updates the one there; EV_DISABLE keeps it registered but silent.
    /// </summary>
    internal static (ushort Read, ushort Write) ToFlags(Interest interest) =>
        ((ushort)(EV_ADD | ((interest & Interest.Read) != 0 ? EV_ENABLE : EV_DISABLE)),
         (ushort)(EV_ADD | ((interest & Interest.Write) != 0 ? EV_ENABLE : EV_DISABLE)));

    /// <summary>What one reported kevent means in backend-neutral terms.</summary>
    internal static Readiness ToReadiness(short filter, ushort flags, uint fflags)
    {
        Readiness r = filter switch
        {
            EVFILT_READ => Readiness.Readable,
            EVFILT_WRITE => Readiness.Writable,
            _ => Readiness.None,
        };
        // EV_EOF on the read filter is the peer's FIN, like EPOLLRDHUP: data may still be queued
        // before the EOF, so the reader drains it as on Linux.
        if ((flags & EV_EOF) != 0) r |= Readiness.Hangup;
        // A socket error (ECONNRESET...) arrives as EV_EOF with the errno in fflags.
        if ((flags & EV_ERROR) != 0 || ((flags & EV_EOF) != 0 && fflags != 0)) r |= Readiness.Error;
        return r;
    }

    /// <summary>Writes one change into <paramref name="at"/> as <paramref name="layout"/> lays it out, ext words zeroed.</summary>
    internal static void Fill(byte* at, KqueueLayout layout, nuint ident, short filter, ushort flags, uint fflags, ulong udata)
    {
        new Span<byte>(at, layout.EventSize).Clear();
        kevent_macos* e = (kevent_macos*)at;
        e->ident = ident;
        e->filter = filter;
        e->flags = flags;
        e->fflags = fflags;
        e->udata = udata;
    }

    private int Apply(int fd, ulong token, Interest interest)
    {
        (ushort read, ushort write) = ToFlags(interest);
        byte* changes = stackalloc byte[2 * KqueueLayout.MaxEventSize];
        Fill(changes, _layout, (nuint)fd, EVFILT_READ, read, 0, token);
        Fill(changes + _layout.EventSize, _layout, (nuint)fd, EVFILT_WRITE, write, 0, token);
        return Submit(changes, 2);
    }

    // With no room for events, a change that fails makes kevent return -1 with its errno.
    private int Submit(byte* changes, int count)
    {
        int rc;
        do rc = Sys.Check(kevent(_kq, changes, count, null, 0, null)); while (rc == -(int)ErrorCode.Interrupted);
        return rc;
    }
}
