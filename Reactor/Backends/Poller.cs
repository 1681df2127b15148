using System;
using System.Threading;

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
    /// <summary>The kernel accepted a connection for a listener (io_uring): <see cref="ReadyEvent.Result"/> is its fd or a negative errno.</summary>
    Accepted = 16,
    /// <summary>
    /// The kernel received for a stream (io_uring): <see cref="ReadyEvent.Result"/> bytes at
    /// <see cref="ReadyEvent.Data"/>, 0 at the end of the stream, or a negative errno.
    /// </summary>
    Received = 32,
}

/// <summary>How a backend that reads for the loop (<see cref="Poller.CompletesReads"/>) serves Read interest on an fd.</summary>
internal enum ReadKind : byte
{
    /// <summary>Reports readiness; the registration reads itself (UDP, the wakeup, connects in progress).</summary>
    Readiness,
    /// <summary>A listening socket: the kernel accepts and reports <see cref="Readiness.Accepted"/>.</summary>
    Accept,
    /// <summary>
    /// A connected stream: the kernel receives into a buffer of its ring and reports
    /// <see cref="Readiness.Received"/>. A stream that holds part of a message switches to
    /// <see cref="Readiness"/> and reads straight into its own block, as with epoll.
    /// </summary>
    Stream,
}

/// <summary>One ready registration, as the loop sees it after a wait.</summary>
internal unsafe struct ReadyEvent
{
    public ulong Token;
    public Readiness Readiness;
    /// <summary>With <see cref="Readiness.Accepted"/> or <see cref="Readiness.Received"/>: the result of the kernel's accept or receive.</summary>
    public int Result;
    /// <summary>With <see cref="Readiness.Received"/>: the bytes, valid until the next wait.</summary>
    public byte* Data;
}

/// <summary>
/// The backend contract: the handful of calls the loop needs from the kernel's readiness API
/// (epoll on Linux, kqueue on BSD, or io_uring). Registrations are level-triggered: a registration stays
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

    /// <summary>
    /// True when the kernel accepts and receives for the loop (io_uring): Read interest on an fd of
    /// <see cref="ReadKind.Accept"/> or <see cref="ReadKind.Stream"/> then brings
    /// <see cref="Readiness.Accepted"/> or <see cref="Readiness.Received"/> events, never Readable,
    /// and such an fd is never read directly (that would reorder its bytes).
    /// </summary>
    public virtual bool CompletesReads => false;

    /// <summary>Registers <paramref name="fd"/>; <paramref name="kind"/> says how a backend that reads for the loop serves Read interest. Returns 0 or a negative errno.</summary>
    public abstract int Add(int fd, ulong token, Interest interest, ReadKind kind);

    /// <summary>Changes what <paramref name="fd"/> is registered for. Returns 0 or a negative errno.</summary>
    public abstract int Modify(int fd, ulong token, Interest interest, ReadKind kind);

    /// <summary>
    /// With <see cref="CompletesReads"/>: true while the kernel holds an accept for the listener
    /// <paramref name="fd"/>. After its Read interest is dropped the accept is cancelled, but
    /// connections it took meanwhile still arrive, each as an <see cref="Readiness.Accepted"/>
    /// event, the last one too (often <see cref="ErrorCode.Canceled"/>); until then the listener must stay open.
    /// </summary>
    public virtual bool IsAccepting(int fd) => false;

    /// <summary>Unregisters <paramref name="fd"/> before it is closed. Returns 0 or a negative errno.</summary>
    public abstract int Remove(int fd);

    /// <summary>
    /// Gives back pages the poller keeps for receives and has not used since the last call; the
    /// loop calls it with the pool's trim. True while some are left to give back later.
    /// </summary>
    public virtual bool Trim() => false;

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

    /// <summary>The one place that picks the backend: the operating system's own, or io_uring when asked for and the kernel allows it.</summary>
    public static Poller Create(ReactorOptions options)
    {
        string? refusal = null;
        if (options.Backend == LoopBackend.IoUring)
        {
            if (!OperatingSystem.IsLinux()) refusal = "it is Linux only";
            else if (IoUringPoller.TryCreate(options.BatchSize, options.BufferSize, out IoUringPoller? ring, out refusal)) return ring!;
        }
        Poller native = CreateNative(options.BatchSize);
        if (refusal is not null && Interlocked.Exchange(ref _fallbackReported, 1) == 0)
            Console.Error.WriteLine($"reactor: io_uring is not available ({refusal}); using {native.Name}");
        return native;
    }

    private static int _fallbackReported;   // the fallback is said once per process, not once per loop

    private static Poller CreateNative(int batchSize)
    {
        if (OperatingSystem.IsLinux()) return new EpollPoller(batchSize);
        if (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD()) return new KqueuePoller(batchSize, KqueueLayout.Current);
        throw new PlatformNotSupportedException($"Reactor has epoll and kqueue backends, for Linux, macOS and FreeBSD; not for {Environment.OSVersion}.");
    }
}
