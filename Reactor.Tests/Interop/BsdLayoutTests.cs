using System;
using System.Linq;
using System.Net;
using System.Runtime.InteropServices;
using Reactor.Interop;
using Reactor.Platform;
using Xunit;
using static Reactor.Interop.Libc;

namespace Reactor.Tests.Interop;

/// <summary>
/// The macOS and FreeBSD structs and constant tables, checked on any host against the values in
/// the systems' headers: xnu bsd/sys/{event,socket,errno,fcntl,resource}.h, bsd/netinet/tcp.h and
/// bsd/netinet6/in6.h (xnu-11417), FreeBSD sys/sys/{event,socket,errno,fcntl,resource,_clock_id}.h,
/// sys/netinet/tcp.h and sys/netinet6/in6.h (12 and later), and Linux's for the Linux table.
/// </summary>
public unsafe class BsdLayoutTests
{
    [Fact]
    public void Kevent_MacOS_Is32BytesWithHeaderOffsets()
    {
        Assert.Equal(32, sizeof(kevent_macos));
        Assert.Equal(0, (int)Marshal.OffsetOf<kevent_macos>(nameof(kevent_macos.ident)));
        Assert.Equal(8, (int)Marshal.OffsetOf<kevent_macos>(nameof(kevent_macos.filter)));
        Assert.Equal(10, (int)Marshal.OffsetOf<kevent_macos>(nameof(kevent_macos.flags)));
        Assert.Equal(12, (int)Marshal.OffsetOf<kevent_macos>(nameof(kevent_macos.fflags)));
        Assert.Equal(16, (int)Marshal.OffsetOf<kevent_macos>(nameof(kevent_macos.data)));
        Assert.Equal(24, (int)Marshal.OffsetOf<kevent_macos>(nameof(kevent_macos.udata)));
    }

    [Fact]
    public void Kevent_FreeBsd_Is64BytesWithExtAfterUdata()
    {
        Assert.Equal(64, sizeof(kevent_freebsd));
        Assert.Equal(0, (int)Marshal.OffsetOf<kevent_freebsd>(nameof(kevent_freebsd.head)));
        Assert.Equal(32, (int)Marshal.OffsetOf<kevent_freebsd>(nameof(kevent_freebsd.ext)));
    }

    [Fact]
    public void KqueueConstants_MatchBothHeaders()
    {
        Assert.Equal(-1, EVFILT_READ);
        Assert.Equal(-2, EVFILT_WRITE);
        Assert.Equal(-10, EVFILT_USER_MACOS);
        Assert.Equal(-11, EVFILT_USER_FREEBSD);
        Assert.Equal(0x0001, EV_ADD);
        Assert.Equal(0x0002, EV_DELETE);
        Assert.Equal(0x0004, EV_ENABLE);
        Assert.Equal(0x0008, EV_DISABLE);
        Assert.Equal(0x0020, EV_CLEAR);
        Assert.Equal(0x4000, EV_ERROR);
        Assert.Equal(0x8000, EV_EOF);
        Assert.Equal(0x01000000u, NOTE_TRIGGER);
    }

    public static TheoryData<string, byte[], byte[]> SockaddrCases => new()
    {
        {
            "macos",
            [16, 2, 0x1B, 0x58, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
            [28, 30, 0x1B, 0x58, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
        },
        {
            "freebsd",
            [16, 2, 0x1B, 0x58, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
            [28, 28, 0x1B, 0x58, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
        },
        {
            "linux",
            [2, 0, 0x1B, 0x58, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
            [10, 0, 0x1B, 0x58, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]
        },
    };

    [Theory]
    [MemberData(nameof(SockaddrCases))]
    public void ToSockaddr_LoopbackPort7000_ProducesTheSystemsBytes(string system, byte[] ipv4, byte[] ipv6)
    {
        OsConstants os = Table(system);
        sockaddr_storage sa;
        uint length = Sockets.ToSockaddr(IPAddress.Loopback, 7000, &sa, os);
        Assert.Equal(ipv4, new Span<byte>(&sa, (int)length).ToArray());
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 7000), Sockets.FromSockaddr(&sa, os));

        length = Sockets.ToSockaddr(IPAddress.IPv6Loopback, 7000, &sa, os);
        Assert.Equal(ipv6, new Span<byte>(&sa, (int)length).ToArray());
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 7000), Sockets.FromSockaddr(&sa, os));
    }

    [Theory]
    [InlineData("macos")]
    [InlineData("freebsd")]
    public void BsdTable_SharedValues_MatchBothHeaders(string system)
    {
        OsConstants os = Table(system);
        Assert.True(os.HasSinLen);
        Assert.Equal(0xffff, os.SOL_SOCKET);
        Assert.Equal(0x0004, os.SO_REUSEADDR);
        Assert.Equal(0x1007, os.SO_ERROR);
        Assert.Equal(0x1001, os.SO_SNDBUF);
        Assert.Equal(0x1002, os.SO_RCVBUF);
        Assert.Equal(0x0008, os.SO_KEEPALIVE);
        Assert.Equal(0x0080, os.SO_LINGER);
        Assert.Equal(0x0002, os.SO_ACCEPTCONN);
        Assert.Equal(27, os.IPV6_V6ONLY);
        Assert.Equal(0, os.IP_BIND_ADDRESS_NO_PORT);   // Linux's option only
        Assert.Equal(0x10, os.MSG_TRUNC);
        Assert.Equal(0x80, os.MSG_DONTWAIT);
        Assert.Equal(0x0004, os.O_NONBLOCK);
        Assert.Equal(8, os.RLIMIT_NOFILE);
    }

    [Fact]
    public void MacOSTable_OwnValues_MatchXnuHeaders()
    {
        OsConstants os = OsConstants.MacOS;
        Assert.Equal(30, os.AF_INET6);
        Assert.Equal(0, os.SOCK_NONBLOCK | os.SOCK_CLOEXEC);   // none: fcntl after socket() and accept()
        Assert.Equal(0, os.ReusePortSpreading);                // SO_REUSEPORT spreads nothing: one shared listener
        Assert.Equal(0x80000, os.MSG_NOSIGNAL);
        Assert.Equal(0x01000000, os.O_CLOEXEC);
        Assert.Equal(67, os.F_DUPFD_CLOEXEC);
        Assert.Equal(6, os.MonotonicCoarseClock);              // CLOCK_MONOTONIC in macOS's time.h
        Assert.Equal(89, os.ToErrno(ErrorCode.Canceled));
        Assert.Equal(0x10, os.TCP_KEEPIDLE);                   // TCP_KEEPALIVE: xnu's name for the idle time
        Assert.Equal(0x101, os.TCP_KEEPINTVL);
        Assert.Equal(0x102, os.TCP_KEEPCNT);
        Assert.Equal(0, os.SO_LISTENQLIMIT);                   // none: the backlog is reported as asked
    }

    [Fact]
    public void FreeBsdTable_OwnValues_MatchFreeBsdHeaders()
    {
        OsConstants os = OsConstants.FreeBsd;
        Assert.Equal(28, os.AF_INET6);
        Assert.Equal(0x20000000, os.SOCK_NONBLOCK);
        Assert.Equal(0x10000000, os.SOCK_CLOEXEC);
        Assert.Equal(0x00010000, os.ReusePortSpreading);       // SO_REUSEPORT_LB
        Assert.Equal(0x20000, os.MSG_NOSIGNAL);
        Assert.Equal(0x00100000, os.O_CLOEXEC);
        Assert.Equal(17, os.F_DUPFD_CLOEXEC);
        Assert.Equal(12, os.MonotonicCoarseClock);             // CLOCK_MONOTONIC_FAST
        Assert.Equal(85, os.ToErrno(ErrorCode.Canceled));
        Assert.Equal(256, os.TCP_KEEPIDLE);
        Assert.Equal(512, os.TCP_KEEPINTVL);
        Assert.Equal(1024, os.TCP_KEEPCNT);
        Assert.Equal(0x1011, os.SO_LISTENQLIMIT);
    }

    [Fact]
    public void LinuxTable_MatchesLinuxHeaders()
    {
        OsConstants os = OsConstants.Linux;
        Assert.False(os.HasSinLen);
        Assert.Equal(10, os.AF_INET6);
        Assert.Equal(0x800, os.SOCK_NONBLOCK);
        Assert.Equal(0x80000, os.SOCK_CLOEXEC);
        Assert.Equal(1, os.SOL_SOCKET);
        Assert.Equal(15, os.ReusePortSpreading);    // SO_REUSEPORT
        Assert.Equal(4, os.SO_ERROR);
        Assert.Equal(7, os.SO_SNDBUF);
        Assert.Equal(8, os.SO_RCVBUF);
        Assert.Equal(9, os.SO_KEEPALIVE);
        Assert.Equal(4, os.TCP_KEEPIDLE);
        Assert.Equal(5, os.TCP_KEEPINTVL);
        Assert.Equal(6, os.TCP_KEEPCNT);
        Assert.Equal(0, os.SO_LISTENQLIMIT);        // read through TCP_INFO instead
        Assert.Equal(0x4000, os.MSG_NOSIGNAL);
        Assert.Equal(1030, os.F_DUPFD_CLOEXEC);
        Assert.Equal(7, os.RLIMIT_NOFILE);
        Assert.Equal(6, os.MonotonicCoarseClock);
        Assert.Same(OsConstants.Linux, OsConstants.Current);
    }

    [Theory]
    [InlineData("linux")]
    [InlineData("macos")]
    [InlineData("freebsd")]
    public void SocketOptionNames_AreDistinctAtEachLevel(string system)
    {
        // A table that mixed two systems' numbers would set one option for another (Linux's
        // SO_RCVBUF, 8, is SO_KEEPALIVE on BSD): each name must be one option at its level.
        OsConstants os = Table(system);
        int[] socketLevel = [os.SO_REUSEADDR, os.SO_ERROR, os.SO_SNDBUF, os.SO_RCVBUF, os.SO_KEEPALIVE, os.SO_LINGER, os.SO_ACCEPTCONN, os.ReusePortSpreading];
        int[] tcpLevel = [TCP_NODELAY, os.TCP_KEEPIDLE, os.TCP_KEEPINTVL, os.TCP_KEEPCNT];
        Assert.Equal(socketLevel.Length, socketLevel.Distinct().Count());
        Assert.Equal(tcpLevel.Length, tcpLevel.Distinct().Count());
        if (os.SO_LISTENQLIMIT != 0) Assert.DoesNotContain(os.SO_LISTENQLIMIT, socketLevel);
    }

    [Theory]
    [InlineData("macos")]
    [InlineData("freebsd")]
    public void BsdErrnos_TranslateToLinuxNumbersAndBack(string system)
    {
        OsConstants os = Table(system);
        // errno.h values shared by both BSDs.
        Assert.Equal(ErrorCode.WouldBlock, os.ToErrorCode(35));
        Assert.Equal(ErrorCode.InProgress, os.ToErrorCode(36));
        Assert.Equal(ErrorCode.AddressInUse, os.ToErrorCode(48));
        Assert.Equal(ErrorCode.AddressNotAvailable, os.ToErrorCode(49));
        Assert.Equal(ErrorCode.NetworkUnreachable, os.ToErrorCode(51));
        Assert.Equal(ErrorCode.ConnectionAborted, os.ToErrorCode(53));
        Assert.Equal(ErrorCode.ConnectionReset, os.ToErrorCode(54));
        Assert.Equal(ErrorCode.NoBufferSpace, os.ToErrorCode(55));
        Assert.Equal(ErrorCode.NotConnected, os.ToErrorCode(57));
        Assert.Equal(ErrorCode.TimedOut, os.ToErrorCode(60));
        Assert.Equal(ErrorCode.ConnectionRefused, os.ToErrorCode(61));
        Assert.Equal(ErrorCode.HostUnreachable, os.ToErrorCode(65));
        // 1-34 but 11 are the same numbers as Linux's.
        Assert.Equal(ErrorCode.Interrupted, os.ToErrorCode(4));
        Assert.Equal(ErrorCode.TooManyOpenFiles, os.ToErrorCode(24));
        Assert.Equal(ErrorCode.BrokenPipe, os.ToErrorCode(32));
        // EDEADLK (11 on BSD) is not Linux's EAGAIN: it keeps its own number, offset.
        Assert.Equal((ErrorCode)(OsConstants.UnnamedErrnoBase + 11), os.ToErrorCode(11));
        Assert.Equal(11, os.ToErrno((ErrorCode)(OsConstants.UnnamedErrnoBase + 11)));
        foreach (ErrorCode code in Enum.GetValues<ErrorCode>())
        {
            Assert.Equal(code, os.ToErrorCode(os.ToErrno(code)));
        }
    }

    [Fact]
    public void LinuxErrnos_AreErrorCodesUnchanged()
    {
        foreach (ErrorCode code in Enum.GetValues<ErrorCode>())
        {
            Assert.Equal((int)code, OsConstants.Linux.ToErrno(code));
            Assert.Equal(code, OsConstants.Linux.ToErrorCode((int)code));
        }
        Assert.Equal((ErrorCode)35, OsConstants.Linux.ToErrorCode(35));   // EDEADLK on Linux: no offset
    }

    private static OsConstants Table(string system) => system switch
    {
        "macos" => OsConstants.MacOS,
        "freebsd" => OsConstants.FreeBsd,
        _ => OsConstants.Linux,
    };
}
