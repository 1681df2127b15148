using System;
using Reactor.Interop;

namespace Reactor.Platform;

/// <summary>Giving memory back to the kernel without unmapping it.</summary>
internal static unsafe class Memory
{
    /// <summary>The page size; pages are the unit <see cref="ReleasePages"/> gives back.</summary>
    public static readonly int PageSize = Environment.SystemPageSize;

    /// <summary>
    /// Gives back the whole pages inside [<paramref name="start"/>, <paramref name="start"/> +
    /// <paramref name="length"/>): they stop counting in RSS, stay mapped, and read as zeros when
    /// next touched. Partial pages at either end are kept (a neighbour may be using them).
    /// </summary>
    public static void ReleasePages(nint start, nint length)
    {
        nint mask = PageSize - 1;
        nint first = (start + mask) & ~mask;
        nint end = (start + length) & ~mask;
        if (end <= first) return;
        // Fails only for a range that is not mapped, which would be a pool bug: fail fast.
        int rc = Sys.Check(Libc.madvise((void*)first, (nuint)(end - first), Libc.MADV_DONTNEED));
        if (rc < 0) throw new InvalidOperationException($"madvise(MADV_DONTNEED) of {end - first} bytes at 0x{first:x}: {Sys.StrError(Sys.ErrorOf(rc))}");
    }
}
