using System;

namespace Reactor.Interop;

/// <summary>
/// The numbers that differ between the kernels Reactor runs on, one table per system
/// (<see cref="Linux"/>, <see cref="MacOS"/>, <see cref="FreeBsd"/>), spelled as in the headers.
/// <see cref="Current"/> is the running system's, picked here and nowhere else. Hot paths do not
/// read the table on Linux: they test <c>OperatingSystem.IsLinux()</c> and use Linux's constants,
/// which the compiler folds (see <see cref="Platform.Sockets"/>).
/// </summary>
internal sealed class OsConstants
{
    /// <summary>The table of the system this process runs on.</summary>
    public static readonly OsConstants Current = Select();

    public static OsConstants Linux => Interop.Linux.Constants;
    public static OsConstants MacOS => Interop.MacOS.Constants;
    public static OsConstants FreeBsd => Interop.FreeBsd.Constants;

    /// <summary>BSD sockaddrs start with a length byte (sin_len) and a one-byte family; Linux's family is two bytes.</summary>
    public required bool HasSinLen { get; init; }

    public required int AF_INET6 { get; init; }
    /// <summary>0 where socket(2) and accept4(2) take no such flag (macOS): fcntl(2) sets it afterwards.</summary>
    public required int SOCK_NONBLOCK { get; init; }
    public required int SOCK_CLOEXEC { get; init; }
    public required int SOL_SOCKET { get; init; }
    public required int SO_REUSEADDR { get; init; }
    /// <summary>The option that lets every loop bind its own listener on one port and has the kernel spread connections; 0 where none does (macOS).</summary>
    public required int ReusePortSpreading { get; init; }
    public required int SO_ERROR { get; init; }
    public required int SO_SNDBUF { get; init; }
    public required int SO_RCVBUF { get; init; }
    public required int SO_KEEPALIVE { get; init; }
    public required int SO_LINGER { get; init; }
    public required int SO_ACCEPTCONN { get; init; }
    public required int IPV6_V6ONLY { get; init; }
    /// <summary>Silence before the first keep-alive probe, in seconds, at IPPROTO_TCP; macOS names it TCP_KEEPALIVE.</summary>
    public required int TCP_KEEPIDLE { get; init; }
    public required int TCP_KEEPINTVL { get; init; }
    public required int TCP_KEEPCNT { get; init; }
    /// <summary>
    /// The SOL_SOCKET option that reads a listener's accept queue limit (FreeBSD); 0 where none does:
    /// Linux reads it through TCP_INFO (<see cref="Libc.tcp_info"/>), macOS has no way to read it.
    /// </summary>
    public required int SO_LISTENQLIMIT { get; init; }
    /// <summary>0 where the option does not exist (BSD: a bound source address gets its port at bind time).</summary>
    public required int IP_BIND_ADDRESS_NO_PORT { get; init; }
    public required int MSG_TRUNC { get; init; }
    public required int MSG_DONTWAIT { get; init; }
    public required int MSG_NOSIGNAL { get; init; }
    public required int O_NONBLOCK { get; init; }
    public required int O_CLOEXEC { get; init; }
    public required int F_DUPFD_CLOEXEC { get; init; }
    public required int RLIMIT_NOFILE { get; init; }
    /// <summary>The cheapest monotonic clock with millisecond resolution or better.</summary>
    public required int MonotonicCoarseClock { get; init; }

    /// <summary>
    /// The errno values that differ from Linux's, as (Linux's name for it, this system's number).
    /// Empty on Linux. Errnos 1-34 other than 11 are the same on all three (the old Unix numbers).
    /// </summary>
    public required (ErrorCode Code, int Errno)[] Errnos { get; init; }

    /// <summary>An errno of this system with no <see cref="ErrorCode"/> name and no Linux twin arrives as this plus the errno.</summary>
    public const int UnnamedErrnoBase = 1000;

    /// <summary>This system's errno as an <see cref="ErrorCode"/> (whose numbers are Linux's).</summary>
    public ErrorCode ToErrorCode(int errno)
    {
        foreach ((ErrorCode code, int native) in Errnos)
        {
            if (native == errno) return code;
        }
        return Errnos.Length == 0 || (errno is >= 0 and < 35 and not 11) ? (ErrorCode)errno : (ErrorCode)(UnnamedErrnoBase + errno);
    }

    /// <summary>The errno of this system that <paramref name="code"/> stands for (the inverse of <see cref="ToErrorCode"/>).</summary>
    public int ToErrno(ErrorCode code)
    {
        foreach ((ErrorCode named, int native) in Errnos)
        {
            if (named == code) return native;
        }
        return (int)code > UnnamedErrnoBase ? (int)code - UnnamedErrnoBase : (int)code;
    }

    private static OsConstants Select()
    {
        if (OperatingSystem.IsLinux()) return Linux;
        if (OperatingSystem.IsMacOS()) return MacOS;
        if (OperatingSystem.IsFreeBSD()) return FreeBsd;
        throw new PlatformNotSupportedException($"Reactor runs on Linux, macOS and FreeBSD, not on {Environment.OSVersion}.");
    }
}
