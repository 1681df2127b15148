using System.IO;
using Reactor.Interop;
using Xunit;

namespace Reactor.Tests.Infrastructure;

/// <summary>A socket's option straight from getsockopt(2), and the kernel limits (sysctls) that cap them.</summary>
public static unsafe class SocketOption
{
    // Linux's numbers: the limits below are Linux's sysctls, so these tests run on Linux only.
    public const int SOL_SOCKET = Linux.SOL_SOCKET, IPPROTO_TCP = Libc.IPPROTO_TCP;
    public const int SO_RCVBUF = Linux.SO_RCVBUF, SO_SNDBUF = Linux.SO_SNDBUF, SO_KEEPALIVE = Linux.SO_KEEPALIVE;
    public const int TCP_NODELAY = Libc.TCP_NODELAY, TCP_KEEPIDLE = Linux.TCP_KEEPIDLE, TCP_KEEPINTVL = Linux.TCP_KEEPINTVL, TCP_KEEPCNT = Linux.TCP_KEEPCNT;

    /// <summary>The option's int value; fails the test when getsockopt does.</summary>
    public static int Get(int fd, int level, int name)
    {
        int value = 0;
        uint length = sizeof(int);
        int rc = Sys.Check(Libc.getsockopt(fd, level, name, &value, &length));
        Assert.True(rc == 0, $"getsockopt(fd {fd}, {level}, {name}): {Sys.ErrorOf(rc)}");
        return value;
    }

    /// <summary>A sysctl under /proc/sys, e.g. "net/core/rmem_max".</summary>
    public static int Sysctl(string name) => int.Parse(File.ReadAllText(Path.Combine("/proc/sys", name)).Trim());
}
