using Reactor.Interop;

namespace Reactor.Platform;

/// <summary>The loop clock.</summary>
internal static unsafe class Clock
{
    /// <summary>
    /// Milliseconds from a coarse monotonic clock: CLOCK_MONOTONIC_COARSE is read from the vDSO
    /// without a syscall and ticks with the kernel (1-4 ms), fine enough for timeouts.
    /// </summary>
    public static long MonotonicMilliseconds()
    {
        Libc.timespec ts;
        Libc.clock_gettime(Libc.CLOCK_MONOTONIC_COARSE, &ts);
        return ts.tv_sec * 1000 + ts.tv_nsec / 1_000_000;
    }
}
