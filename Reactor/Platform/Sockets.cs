using System;
using System.Runtime.CompilerServices;
using Reactor.Interop;
using static Reactor.Interop.Libc;

namespace Reactor.Platform;

/// <summary>
/// The socket calls of the hot path, with the platform's flags: nonblocking close-on-exec
/// accepts, sends that never raise SIGPIPE. Each returns a count or a negative
/// <see cref="ErrorCode"/>, never -1, and retries EINTR itself. Tcp and Udp code reaches the
/// kernel only through here, so another platform changes this file, not them.
/// </summary>
/// <remarks>
/// The flags of the hot calls are <c>OperatingSystem.IsLinux() ? Linux's constant : the table's</c>.
/// IsLinux() is a constant in the OS-specific System.Private.CoreLib the program runs on, so both
/// NativeAOT (per RID) and the tiered JIT (a portable build, after inlining) fold the test and
/// Linux's code is the constant it was before macOS and FreeBSD were added: the published binary
/// passes 0x4040 to send as an immediate, as before (objdump -d of Sockets__Send).
/// </remarks>
internal static unsafe partial class Sockets
{
    // MSG_NOSIGNAL: a reset peer makes send fail with EPIPE instead of killing the process.
    // AggressiveInlining: without it NativeAOT left a call returning 0x4040 in every send.
    private static int SendFlags
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => OperatingSystem.IsLinux() ? Linux.MSG_NOSIGNAL | Linux.MSG_DONTWAIT : OsConstants.Current.MSG_NOSIGNAL | OsConstants.Current.MSG_DONTWAIT;
    }

    /// <summary>Nonblocking and close-on-exec, for socket(2) and accept4(2); 0 on macOS, which has neither flag.</summary>
    private static int CreationFlags
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => OperatingSystem.IsLinux() ? Linux.SOCK_NONBLOCK | Linux.SOCK_CLOEXEC : OsConstants.Current.SOCK_NONBLOCK | OsConstants.Current.SOCK_CLOEXEC;
    }

    /// <summary>MSG_TRUNC in a received datagram's msg_flags: it did not fit. Linux's, as datagrams are (see <see cref="BindDatagram"/>).</summary>
    public const int DatagramTruncated = Linux.MSG_TRUNC;

    /// <summary>accept4(2) as nonblocking and close-on-exec. Returns the new fd or a negative error.</summary>
    public static int Accept(int listenFd)
    {
        int fd;
        if (OperatingSystem.IsMacOS())
        {
            do fd = Sys.Check(accept(listenFd, null, null)); while (fd == -(int)ErrorCode.Interrupted);
            if (fd < 0) return fd;
            CopyKeepAliveIdle(listenFd, fd);
            return MakeNonBlockingCloseOnExec(fd);
        }
        do fd = Sys.Check(accept4(listenFd, null, null, CreationFlags)); while (fd == -(int)ErrorCode.Interrupted);
        return fd;
    }

    /// <summary>
    /// macOS: xnu gives an accepted socket its listener's SO_KEEPALIVE, TCP_NODELAY, TCP_KEEPINTVL
    /// and TCP_KEEPCNT but not the idle time (tcp_input.c, "inherit states from the listener",
    /// copies t_keepintvl and t_keepcnt, not t_keepidle), so TCP_KEEPALIVE is copied here. Best
    /// effort: a failure leaves the system default (2 hours). Two calls per accept, macOS only.
    /// </summary>
    private static void CopyKeepAliveIdle(int listenFd, int fd)
    {
        int idle = TryGet(listenFd, IPPROTO_TCP, MacOS.TCP_KEEPALIVE);
        if (idle > 0) TrySet(fd, IPPROTO_TCP, MacOS.TCP_KEEPALIVE, idle);
    }

    /// <summary>
    /// What SOCK_NONBLOCK | SOCK_CLOEXEC do, with fcntl(2), for macOS: returns <paramref name="fd"/>,
    /// or closes it and returns a negative error.
    /// </summary>
    private static int MakeNonBlockingCloseOnExec(int fd)
    {
        int flags = Sys.Check(fcntl(fd, F_GETFL, 0));
        int rc = flags < 0 ? flags : Sys.Check(fcntl(fd, F_SETFL, flags | OsConstants.Current.O_NONBLOCK));
        if (rc >= 0) rc = Sys.Check(fcntl(fd, F_SETFD, FD_CLOEXEC));
        if (rc >= 0) return fd;
        Sys.Close(fd);
        return rc;
    }

    /// <summary>recv(2): bytes read, 0 at end of stream, or a negative error.</summary>
    public static nint Receive(int fd, byte* buffer, int length)
    {
        nint n;
        do n = Sys.Check(recv(fd, buffer, length, 0)); while (n == -(int)ErrorCode.Interrupted);
        return n;
    }

    /// <summary>send(2) of one buffer: bytes taken or a negative error.</summary>
    public static nint Send(int fd, byte* buffer, int length)
    {
        nint n;
        do n = Sys.Check(send(fd, buffer, length, SendFlags)); while (n == -(int)ErrorCode.Interrupted);
        return n;
    }

    /// <summary>sendmsg(2) of <paramref name="count"/> buffers in one call: bytes taken or a negative error.</summary>
    public static nint SendGathered(int fd, iovec* buffers, int count)
    {
        // Zeroed but for the iovecs, so BSD's narrower msg_iovlen reads the count (see msghdr).
        msghdr message = default;
        message.msg_iov = buffers;
        message.msg_iovlen = count;
        nint n;
        do n = Sys.Check(sendmsg(fd, &message, SendFlags)); while (n == -(int)ErrorCode.Interrupted);
        return n;
    }

    /// <summary>
    /// sendfile(2): up to <paramref name="count"/> bytes of <paramref name="fileFd"/> from
    /// <paramref name="offset"/> (advanced by what was sent) to the socket, with no copy through
    /// user space: bytes taken or a negative error. A socket that would block returns EAGAIN, as send does.
    /// </summary>
    public static nint SendFile(int fd, int fileFd, ref long offset, long count)
    {
        nint n;
        fixed (long* position = &offset)
        {
            // One call moves at most 0x7ffff000 bytes on Linux (sendfile(2) NOTES).
            do n = Sys.Check(sendfile(fd, fileFd, position, (nint)Math.Min(count, 0x7ffff000))); while (n == -(int)ErrorCode.Interrupted);
        }
        return n;
    }

    /// <summary>Throws <see cref="PlatformNotSupportedException"/> where <see cref="SendFile"/> is not written (macOS, FreeBSD).</summary>
    public static void RequireSendFile() =>
        Unsupported.IfNotLinux("sendfile (Connection.SendFile, reactor http --root)", "the BSD sendfile(2) calls take other arguments and struct stat differs; not written yet");

    /// <summary>shutdown(2) of the sending side: the peer reads end of stream after what was sent.</summary>
    public static int ShutdownWrite(int fd) => Sys.Check(shutdown(fd, SHUT_WR));

    /// <summary>The socket's pending error (SO_ERROR), e.g. the outcome of a nonblocking connect.</summary>
    public static ErrorCode PendingError(int fd)
    {
        int error = 0;
        uint length = sizeof(int);
        int rc = Sys.Check(getsockopt(fd, OsConstants.Current.SOL_SOCKET, OsConstants.Current.SO_ERROR, &error, &length));
        return rc < 0 ? Sys.ErrorOf(rc) : Sys.FromErrno(error);
    }

    /// <summary>
    /// recvmmsg(2) without waiting: datagrams received (each entry's msg_len and msg_flags set,
    /// MSG_TRUNC when it did not fit), or a negative error (WouldBlock when none is queued).
    /// </summary>
    public static int ReceiveDatagrams(int fd, mmsghdr* messages, int count)
    {
        int n;
        do n = Sys.Check(recvmmsg(fd, messages, (uint)count, Linux.MSG_DONTWAIT, null)); while (n == -(int)ErrorCode.Interrupted);
        return n;
    }

    /// <summary>sendmmsg(2) without waiting: how many of the datagrams the kernel took, or a negative error for the first.</summary>
    public static int SendDatagrams(int fd, mmsghdr* messages, int count)
    {
        int n;
        do n = Sys.Check(sendmmsg(fd, messages, (uint)count, Linux.MSG_NOSIGNAL | Linux.MSG_DONTWAIT)); while (n == -(int)ErrorCode.Interrupted);
        return n;
    }
}
