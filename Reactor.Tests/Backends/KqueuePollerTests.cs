using System;
using Reactor.Backends;
using Xunit;
using static Reactor.Interop.Libc;

namespace Reactor.Tests.Backends;

/// <summary>
/// The kqueue backend's pure parts, on any host: the change records it writes for both layouts,
/// Interest to filter flags, and kevent to Readiness. A real kqueue is only on macOS and FreeBSD,
/// which this suite does not run on (README, Platforms).
/// </summary>
public unsafe class KqueuePollerTests
{
    [Fact]
    public void Layouts_MacOS32BytesFreeBsd64Bytes_UserFilterPerSystem()
    {
        Assert.Equal(32, KqueueLayout.MacOS.EventSize);
        Assert.Equal(-10, KqueueLayout.MacOS.UserFilter);
        Assert.Equal(64, KqueueLayout.FreeBsd.EventSize);
        Assert.Equal(-11, KqueueLayout.FreeBsd.UserFilter);
        Assert.True(KqueueLayout.MaxEventSize >= KqueueLayout.FreeBsd.EventSize);
    }

    [Theory]
    [InlineData((int)Interest.None, EV_ADD | EV_DISABLE, EV_ADD | EV_DISABLE)]
    [InlineData((int)Interest.Read, EV_ADD | EV_ENABLE, EV_ADD | EV_DISABLE)]
    [InlineData((int)Interest.Write, EV_ADD | EV_DISABLE, EV_ADD | EV_ENABLE)]
    [InlineData((int)(Interest.Read | Interest.Write), EV_ADD | EV_ENABLE, EV_ADD | EV_ENABLE)]
    public void ToFlags_EachInterest_EnablesWantedFilterDisablesOther(int interest, int read, int write)
    {
        (ushort r, ushort w) = KqueuePoller.ToFlags((Interest)interest);
        Assert.Equal(read, r);
        Assert.Equal(write, w);
        // The numbers the kernel sees (sys/event.h on both systems).
        Assert.Equal(0x0005, EV_ADD | EV_ENABLE);
        Assert.Equal(0x0009, EV_ADD | EV_DISABLE);
    }

    [Theory]
    [InlineData(EVFILT_READ, 0, 0u, (int)(Readiness.Readable))]
    [InlineData(EVFILT_WRITE, 0, 0u, (int)(Readiness.Writable))]
    [InlineData(EVFILT_READ, EV_EOF, 0u, (int)(Readiness.Readable | Readiness.Hangup))]
    [InlineData(EVFILT_WRITE, EV_EOF, 0u, (int)(Readiness.Writable | Readiness.Hangup))]
    [InlineData(EVFILT_READ, EV_EOF, 54u, (int)(Readiness.Readable | Readiness.Hangup | Readiness.Error))]  // fflags = ECONNRESET
    [InlineData(EVFILT_WRITE, EV_ERROR, 0u, (int)(Readiness.Writable | Readiness.Error))]
    [InlineData(EVFILT_USER_MACOS, EV_CLEAR, 0u, (int)(Readiness.None))]
    [InlineData(EVFILT_USER_FREEBSD, EV_CLEAR, 0u, (int)(Readiness.None))]
    public void ToReadiness_FilterAndFlags_MapsAsEpollWould(short filter, int flags, uint fflags, int expected)
    {
        Assert.Equal((Readiness)expected, KqueuePoller.ToReadiness(filter, (ushort)flags, fflags));
    }

    [Fact]
    public void Fill_MacOSLayout_WritesFieldsAtHeaderOffsets()
    {
        byte* buffer = stackalloc byte[KqueueLayout.MaxEventSize];
        new Span<byte>(buffer, KqueueLayout.MaxEventSize).Fill(0xAA);
        KqueuePoller.Fill(buffer, KqueueLayout.MacOS, 7, EVFILT_WRITE, EV_ADD | EV_ENABLE, 0, 0x1122_3344_5566_7788);
        byte[] expected =
        [
            7, 0, 0, 0, 0, 0, 0, 0,                               // ident
            0xFE, 0xFF,                                           // filter -2
            0x05, 0x00,                                           // flags EV_ADD|EV_ENABLE
            0, 0, 0, 0,                                           // fflags
            0, 0, 0, 0, 0, 0, 0, 0,                               // data
            0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,       // udata: the token
        ];
        Assert.Equal(expected, new Span<byte>(buffer, 32).ToArray());
        // Nothing past the 32 bytes of a macOS event is touched: the next change starts there.
        Assert.All(new Span<byte>(buffer + 32, 32).ToArray(), b => Assert.Equal(0xAA, b));
    }

    [Fact]
    public void Fill_FreeBsdLayout_ZeroesExtWords()
    {
        byte* buffer = stackalloc byte[KqueueLayout.MaxEventSize];
        new Span<byte>(buffer, KqueueLayout.MaxEventSize).Fill(0xAA);
        KqueuePoller.Fill(buffer, KqueueLayout.FreeBsd, 0, EVFILT_USER_FREEBSD, 0, NOTE_TRIGGER, Poller.WakeToken);
        var bytes = new Span<byte>(buffer, 64).ToArray();
        Assert.Equal(new byte[] { 0xF5, 0xFF }, bytes[8..10]);                 // filter -11
        Assert.Equal(new byte[] { 0, 0, 0, 0x01 }, bytes[12..16]);             // NOTE_TRIGGER 0x01000000
        Assert.All(bytes[24..32], b => Assert.Equal(0xFF, b));                 // udata: WakeToken
        Assert.All(bytes[32..64], b => Assert.Equal(0, b));                    // ext[4]
    }
}
