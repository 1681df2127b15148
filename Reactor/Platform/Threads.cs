using System;
using Reactor.Interop;

namespace Reactor.Platform;

/// <summary>Thread placement.</summary>
internal static unsafe class Threads
{
    /// <summary>Throws <see cref="PlatformNotSupportedException"/> where threads cannot be pinned (macOS, FreeBSD).</summary>
    public static void RequirePinning() =>
        Unsupported.IfNotLinux("--pin (CPU pinning)", "it uses sched_setaffinity(2); FreeBSD's cpuset_setaffinity is not wired and macOS has only affinity hints");

    /// <summary>Pins the calling thread to <paramref name="core"/> (modulo the core count). Throws <see cref="ReactorException"/>.</summary>
    public static void PinCurrentThread(int core)
    {
        // cpu_set_t is 1024 bits; pid 0 means the calling thread.
        ulong* mask = stackalloc ulong[16];
        new Span<ulong>(mask, 16).Clear();
        core %= Environment.ProcessorCount;
        mask[core / 64] = 1UL << (core % 64);
        Sys.ThrowIfError(Sys.Check(Libc.sched_setaffinity(0, 16 * sizeof(ulong), mask)), $"sched_setaffinity(core {core})");
    }
}
