using System;

namespace Reactor.Backends;

/// <summary>What a registration wants to hear about.</summary>
[Flags]
internal enum Interest : byte
{
    None = 0,
    Read = 1,
    Write = 2,
}

/// <summary>What the kernel reported for a registration, in backend-neutral terms.</summary>
[Flags]
internal enum Readiness : byte
{
    None = 0,
    Readable = 1,
    Writable = 2,
    /// <summary>The peer shut down its side (EOF will be read) or both sides are gone.</summary>
    Hangup = 4,
    Error = 8,
}

/// <summary>One ready registration, as the loop sees it after a wait.</summary>
internal struct ReadyEvent
{
    public ulong Token;
    public Readiness Readiness;
}

/// <summary>
/// The backend contract: the handful of calls the loop needs from the kernel's readiness API
/// (epoll on Linux, kqueue on BSD). Registrations are level-triggered: a registration stays
/// ready until the loop drains it, so a loop that stops reading early (fairness budget,
/// backpressure) never loses an event. The instance belongs to one loop thread, except
/// <see cref="Wake"/>, which any thread may call.
/// </summary>
internal abstract class Poller : IDisposable
{
    /// <summary>The token reported when <see cref="Wake"/> was called; never a slot token.</summary>
    public const ulong WakeToken = ulong.MaxValue;

    /// <summary>The backend's name as users see it in --help and stats, e.g. "epoll".</summary>
    public abstract string Name { get; }

    /// <summary>Registers <paramref name="fd"/>. Returns 0 or a negative errno.</summary>
    public abstract int Add(int fd, ulong token, Interest interest);

    /// <summary>Changes what <paramref name="fd"/> is registered for. Returns 0 or a negative errno.</summary>
    public abstract int Modify(int fd, ulong token, Interest interest);

    /// <summary>Unregisters <paramref name="fd"/> before it is closed. Returns 0 or a negative errno.</summary>
    public abstract int Remove(int fd);

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> milliseconds (-1: forever) and fills
    /// <paramref name="events"/>. Returns the count (0 on timeout or EINTR).
    /// </summary>
    public abstract int Wait(Span<ReadyEvent> events, int timeoutMs);

    /// <summary>Makes a concurrent or future <see cref="Wait"/> report <see cref="WakeToken"/>. Any thread.</summary>
    public abstract void Wake();

    /// <summary>Re-arms the wakeup after <see cref="WakeToken"/> was reported. Loop thread.</summary>
    public abstract void ClearWake();

    public abstract void Dispose();

    /// <summary>The one place that picks the backend for this operating system.</summary>
    public static Poller Create(int batchSize)
    {
        if (OperatingSystem.IsLinux()) return new EpollPoller(batchSize);
        if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()) return new KqueuePoller(batchSize, KqueueLayout.Current);
        throw new PlatformNotSupportedException($"Reactor has epoll and kqueue backends, for Linux, macOS and FreeBSD; not for {Environment.OSVersion}.");
    }
}
