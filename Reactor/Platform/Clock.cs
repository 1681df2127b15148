using System;
using Reactor.Interop;

namespace Reactor.Platform;

/// <summary>The loop clock.</summary>
internal static unsafe class Clock
{
    /// <summary>
    /// Milliseconds from a coarse monotonic clock: CLOCK_MONOTONIC_COARSE is read from the vDSO
    /// without a syscall and ticks with the kernel (1-4 ms), fine enough for timeouts. FreeBSD's
    /// CLOCK_MONOTONIC_FAST is the same idea; macOS's CLOCK_MONOTONIC is read from the commpage.
    /// </summary>
    public static long MonotonicMilliseconds()
    {
        Libc.timespec ts;
        Libc.clock_gettime(OperatingSystem.IsLinux() ? Linux.CLOCK_MONOTONIC_COARSE : OsConstants.Current.MonotonicCoarseClock, &ts);
        return ts.tv_sec * 1000 + ts.tv_nsec / 1_000_000;
    }
}
