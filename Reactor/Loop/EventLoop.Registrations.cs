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
        int rc = interest == Interest.None ? 0 : Poller.Add(r.Fd, r.Token, interest);
        if (rc < 0)
        {
            Slots.Remove(r.Token);
            return rc;
        }
        r.Interest = interest;
        r.IsRegistered = true;
        return 0;
    }

    /// <summary>
    /// Re-arms <paramref name="r"/> for <paramref name="interest"/>. <see cref="Interest.None"/>
    /// takes the fd out of the poller: epoll reports EPOLLHUP and EPOLLERR even to an fd armed for
    /// nothing, and a level-triggered report nobody acts on would spin the loop. Returns 0 or a negative error.
    /// </summary>
    internal int SetInterest(Registration r, Interest interest)
    {
        if (!r.IsRegistered) throw new InvalidOperationException("SetInterest before Register");
        if (interest == r.Interest) return 0;
        int rc = r.Interest == Interest.None ? Poller.Add(r.Fd, r.Token, interest)
            : interest == Interest.None ? Poller.Remove(r.Fd)
            : Poller.Modify(r.Fd, r.Token, interest);
        if (rc == 0) r.Interest = interest;
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
        if (r.Interest != Interest.None) Poller.Remove(r.Fd);
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
