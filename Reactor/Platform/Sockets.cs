using System;
using Reactor.Interop;
using static Reactor.Interop.Libc;

namespace Reactor.Platform;

/// <summary>
/// The socket calls of the hot path, with the platform's flags: nonblocking close-on-exec
/// accepts, sends that never raise SIGPIPE. Each returns a count or a negative
/// <see cref="ErrorCode"/>, never -1, and retries EINTR itself. Tcp and Udp code reaches the
/// kernel only through here, so another platform changes this file, not them.
/// </summary>
internal static unsafe partial class Sockets
{
    // MSG_NOSIGNAL: a reset peer makes send fail with EPIPE instead of killing the process.
    private const int SendFlags = MSG_NOSIGNAL | MSG_DONTWAIT;

    /// <summary>accept4(2) as nonblocking and close-on-exec. Returns the new fd or a negative error.</summary>
    public static int Accept(int listenFd)
    {
        int fd;
        do fd = Sys.Check(accept4(listenFd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC)); while (fd == -(int)ErrorCode.Interrupted);
        return fd;
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

    /// <summary>shutdown(2) of the sending side: the peer reads end of stream after what was sent.</summary>
    public static int ShutdownWrite(int fd) => Sys.Check(shutdown(fd, SHUT_WR));

    /// <summary>The socket's pending error (SO_ERROR), e.g. the outcome of a nonblocking connect.</summary>
    public static ErrorCode PendingError(int fd)
    {
        int error = 0;
        uint length = sizeof(int);
        int rc = Sys.Check(getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length));
        return rc < 0 ? Sys.ErrorOf(rc) : (ErrorCode)error;
    }

    /// <summary>
    /// recvmmsg(2) without waiting: datagrams received (each entry's msg_len and msg_flags set,
    /// MSG_TRUNC when it did not fit), or a negative error (WouldBlock when none is queued).
    /// </summary>
    public static int ReceiveDatagrams(int fd, mmsghdr* messages, int count)
    {
        int n;
        do n = Sys.Check(recvmmsg(fd, messages, (uint)count, MSG_DONTWAIT, null)); while (n == -(int)ErrorCode.Interrupted);
        return n;
    }

    /// <summary>sendmmsg(2) without waiting: how many of the datagrams the kernel took, or a negative error for the first.</summary>
    public static int SendDatagrams(int fd, mmsghdr* messages, int count)
    {
        int n;
        do n = Sys.Check(sendmmsg(fd, messages, (uint)count, SendFlags)); while (n == -(int)ErrorCode.Interrupted);
        return n;
    }
}
