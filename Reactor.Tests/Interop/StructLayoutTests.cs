using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Reactor.Backends;
using Reactor.Interop;
using Xunit;
using static Reactor.Interop.Libc;

namespace Reactor.Tests.Interop;

/// <summary>Pins the kernel structs to the sizes and offsets of the x86-64 Linux ABI.</summary>
public unsafe class StructLayoutTests
{
    [Fact]
    public void EpollEvent_X64_IsPacked12Bytes()
    {
        Assert.Equal(Architecture.X64, RuntimeInformation.ProcessArchitecture);
        Assert.Equal(12, sizeof(epoll_event));
        Assert.Equal(4, (int)Marshal.OffsetOf<epoll_event>(nameof(epoll_event.data)));
        Assert.Equal(16, sizeof(epoll_event_aligned));
        Assert.Equal(8, (int)Marshal.OffsetOf<epoll_event_aligned>(nameof(epoll_event_aligned.data)));
        Assert.True(EpollPoller.IsPacked);
        Assert.Equal(12, EpollPoller.EventSize);
    }

    [Fact]
    public void SocketStructs_MatchLinuxSizes()
    {
        Assert.Equal(16, sizeof(sockaddr_in));
        Assert.Equal(2, (int)Marshal.OffsetOf<sockaddr_in>(nameof(sockaddr_in.sin_port)));
        Assert.Equal(4, (int)Marshal.OffsetOf<sockaddr_in>(nameof(sockaddr_in.sin_addr)));
        Assert.Equal(28, sizeof(sockaddr_in6));
        Assert.Equal(8, (int)Marshal.OffsetOf<sockaddr_in6>(nameof(sockaddr_in6.sin6_addr)));
        Assert.Equal(24, (int)Marshal.OffsetOf<sockaddr_in6>(nameof(sockaddr_in6.sin6_scope_id)));
        Assert.Equal(128, sizeof(sockaddr_storage));
        Assert.Equal(16, sizeof(iovec));
        Assert.Equal(56, sizeof(msghdr));
        Assert.Equal(16, (int)Marshal.OffsetOf<msghdr>(nameof(msghdr.msg_iov)));
        Assert.Equal(48, (int)Marshal.OffsetOf<msghdr>(nameof(msghdr.msg_flags)));
        Assert.Equal(24, (int)Marshal.OffsetOf<tcp_info>(nameof(tcp_info.tcpi_unacked)));
        Assert.Equal(28, (int)Marshal.OffsetOf<tcp_info>(nameof(tcp_info.tcpi_sacked)));
        Assert.Equal(16, sizeof(timespec));
        Assert.Equal(16, sizeof(rlimit));
    }

    [Fact]
    public void EpollPoller_TokenRoundTripsThroughKernel()
    {
        // A full 64-bit token survives epoll_ctl and epoll_wait only if the layout is right.
        using var poller = new EpollPoller(8);
        int efd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
        Assert.True(efd >= 0);
        try
        {
            const ulong token = 0x1122_3344_5566_7788;
            Assert.Equal(0, poller.Add(efd, token, Interest.Read | Interest.Write, ReadKind.Readiness));
            var events = new ReadyEvent[8];
            int n = poller.Wait(events, 1000);
            Assert.Equal(1, n);
            Assert.Equal(token, events[0].Token);
            Assert.Equal(Readiness.Readable | Readiness.Writable, events[0].Readiness);
        }
        finally
        {
            close(efd);
        }
    }

    [Fact]
    public void EpollPoller_Wake_ReportsWakeTokenOnce()
    {
        using var poller = new EpollPoller(8);
        var events = new ReadyEvent[8];
        poller.Wake();
        poller.Wake();
        Assert.Equal(1, poller.Wait(events, 1000));
        Assert.Equal(Poller.WakeToken, events[0].Token);
        poller.ClearWake();
        Assert.Equal(0, poller.Wait(events, 0));
    }

    [Fact]
    public void Sys_Check_ReturnsNegativeErrno()
    {
        Assert.Equal(-(int)ErrorCode.BadDescriptor, Sys.Close(-1));
        Assert.Equal("Address already in use", ErrorCode.AddressInUse.Message());
    }
}
