using System;
using Reactor.Backends;
using Reactor.Interop;
using Reactor.Loop;

namespace Reactor;

// The registration seam: the one place that adds an fd to the slot table and the poller, changes
// what it is armed for, and takes it out again. Listener, Connection, Connector and UdpSocket go through it.
public sealed partial class EventLoop
{
    /// <summary>
    /// Gives <paramref name="r"/> a slot and arms the poller for <paramref name="interest"/> (none:
    /// the slot only). Returns 0, or a negative error with nothing left registered.
    /// </summary>
    internal int Register(Registration r, Interest interest)
    {
        r.Token = Slots.Add(r);
        // io_uring tracks an fd armed for nothing too: it may still hold requests in the kernel.
        int rc = interest == Interest.None && !Poller.CompletesReads ? 0 : Poller.Add(r.Fd, r.Token, interest, r.ReadKind);
        if (rc < 0)
        {
            Slots.Remove(r.Token);
            return rc;
        }
        r.Interest = interest;
        r.ArmedKind = r.ReadKind;
        r.IsRegistered = true;
        return 0;
    }

    /// <summary>
    /// Re-arms <paramref name="r"/> for <paramref name="interest"/>. <see cref="Interest.None"/>
    /// takes the fd out of the poller: epoll reports EPOLLHUP and EPOLLERR even to an fd armed for
    /// nothing, and a level-triggered report nobody acts on would spin the loop (io_uring keeps the
    /// fd and cancels what it no longer wants). Returns 0 or a negative error.
    /// </summary>
    internal int SetInterest(Registration r, Interest interest)
    {
        if (!r.IsRegistered) throw new InvalidOperationException("SetInterest before Register");
        ReadKind kind = r.ReadKind;
        // Only a backend that reads for the loop cares how a stream reads (epoll would pay a syscall for nothing).
        if (interest == r.Interest && (kind == r.ArmedKind || !Poller.CompletesReads)) return 0;
        int rc = Poller.CompletesReads ? Poller.Modify(r.Fd, r.Token, interest, kind)
            : r.Interest == Interest.None ? Poller.Add(r.Fd, r.Token, interest, kind)
            : interest == Interest.None ? Poller.Remove(r.Fd)
            : Poller.Modify(r.Fd, r.Token, interest, kind);
        if (rc == 0)
        {
            r.Interest = interest;
            r.ArmedKind = kind;
        }
        return rc;
    }

    /// <summary>
    /// Takes <paramref name="r"/> out of the poller and frees its slot; the fd stays open (a
    /// connector hands it on). Events for it still in this batch find the slot stale and are
    /// dropped. Does nothing for a registration that holds no slot.
    /// </summary>
    internal void Unregister(Registration r)
    {
        if (!r.IsRegistered) return;
        // Explicit, not left to close(2): a forked child may still hold the file description, and
        // epoll keeps reporting a registration until every copy is closed.
        if (r.Interest != Interest.None || Poller.CompletesReads) Poller.Remove(r.Fd);
        r.Interest = Interest.None;
        r.IsRegistered = false;
        Slots.Remove(r.Token);
    }

    /// <summary><see cref="Unregister"/>, then close the fd.</summary>
    internal void Close(Registration r)
    {
        Unregister(r);
        Sys.Close(r.Fd);
        r.Fd = -1;
    }
}
