using System.IO;
using Reactor.Interop;
using Xunit;

namespace Reactor.Tests.Infrastructure;

/// <summary>A socket's option straight from getsockopt(2), and the kernel limits (sysctls) that cap them.</summary>
public static unsafe class SocketOption
{
    public const int SOL_SOCKET = Libc.SOL_SOCKET, IPPROTO_TCP = Libc.IPPROTO_TCP;
    public const int SO_RCVBUF = Libc.SO_RCVBUF, SO_SNDBUF = Libc.SO_SNDBUF, SO_KEEPALIVE = Libc.SO_KEEPALIVE;
    public const int TCP_NODELAY = Libc.TCP_NODELAY, TCP_KEEPIDLE = Libc.TCP_KEEPIDLE, TCP_KEEPINTVL = Libc.TCP_KEEPINTVL, TCP_KEEPCNT = Libc.TCP_KEEPCNT;

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
