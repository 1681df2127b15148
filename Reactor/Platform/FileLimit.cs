using Reactor.Interop;

namespace Reactor.Platform;

/// <summary>The process's open-file limit.</summary>
internal static unsafe class FileLimit
{
    /// <summary>
    /// Raises the soft open-file limit to the hard limit: a server that may hold thousands of
    /// sockets should not stop at the shell's default of 1024. Does nothing when it cannot.
    /// </summary>
    public static void RaiseToHardLimit()
    {
        Libc.rlimit limit;
        int resource = OsConstants.Current.RLIMIT_NOFILE;
        if (Libc.getrlimit(resource, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
        // macOS reports RLIM_INFINITY as the hard limit and refuses it; the soft limit stays then.
        limit.rlim_cur = limit.rlim_max;
        Libc.setrlimit(resource, &limit);
    }
}
