using Reactor.Backends;

namespace Reactor.Loop;

/// <summary>
/// Something registered with a loop's poller: a listener, a connection, a connect in progress.
/// <see cref="EventLoop"/> registers, re-arms and unregisters it in one place (EventLoop.Registrations.cs).
/// Public only because <see cref="Connection"/> derives from it; it cannot be derived outside Reactor.
/// </summary>
public abstract class Registration
{
    private protected Registration(EventLoop loop, int fd)
    {
        OwnerLoop = loop;
        Fd = fd;
    }

    /// <summary>The loop that owns the registration.</summary>
    internal readonly EventLoop OwnerLoop;

    /// <summary>The file descriptor, or -1 once closed.</summary>
    internal int Fd;

    /// <summary>The slot token the poller reports for this registration.</summary>
    internal ulong Token;

    /// <summary>What the poller is armed for now; <see cref="Interest.None"/> means not in the poller at all.</summary>
    internal Interest Interest;

    /// <summary>True from <see cref="EventLoop.Register"/> until <see cref="EventLoop.Unregister"/>: it holds a slot.</summary>
    internal bool IsRegistered;

    /// <summary>How a backend that reads for the loop (io_uring) is to serve this registration's Read interest now.</summary>
    internal virtual ReadKind ReadKind => ReadKind.Readiness;

    /// <summary>The <see cref="ReadKind"/> the poller was last told.</summary>
    internal ReadKind ArmedKind;

    /// <summary>Handles what the poller reported. Runs on the loop thread.</summary>
    internal abstract void OnReady(in ReadyEvent ready);

    /// <summary>Runs what <see cref="EventLoop.Defer"/> queued for the end of this iteration: batched output, deferred closes.</summary>
    internal virtual void RunDeferred() { }

    /// <summary>Starts closing the registration as part of stopping the loop.</summary>
    internal abstract void OnLoopStopping();
}
