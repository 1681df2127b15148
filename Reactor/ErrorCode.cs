using Reactor.Interop;

namespace Reactor;

/// <summary>
/// The operating-system errors Reactor reports, by name (as libuv's <c>UV_E*</c> or Rust's
/// <c>io::ErrorKind</c>). The numbers are Linux's errno values, so they match the kernel's own
/// numbers and the negative codes of the C ABI (<c>REACTOR_ECONNREFUSED == -ConnectionRefused</c>); on
/// macOS and FreeBSD the platform layer translates its errno into these. An errno with no name here
/// still arrives, as its number (there, as 1000 plus its number when Linux's same number means another error).
/// </summary>
public enum ErrorCode
{
    /// <summary>No error.</summary>
    None = 0,
    /// <summary>EPERM: the operation is not permitted (e.g. a firewall rule refused a connection).</summary>
    OperationNotPermitted = 1,
    /// <summary>ENOENT: no such file or directory.</summary>
    NoSuchFile = 2,
    /// <summary>EINTR: a signal interrupted the call. Reactor retries these; users never see it.</summary>
    Interrupted = 4,
    /// <summary>EBADF: not an open file descriptor.</summary>
    BadDescriptor = 9,
    /// <summary>EAGAIN: the call would block. Reactor waits for readiness instead; users never see it.</summary>
    WouldBlock = 11,
    /// <summary>ENOMEM: the kernel is out of memory.</summary>
    OutOfMemory = 12,
    /// <summary>EACCES: permission denied, e.g. a port below 1024 without privilege.</summary>
    AccessDenied = 13,
    /// <summary>EINVAL: an argument the kernel refused.</summary>
    InvalidArgument = 22,
    /// <summary>ENFILE: the system-wide limit of open files was reached.</summary>
    TooManyFilesInSystem = 23,
    /// <summary>EMFILE: this process reached its open-file limit (<c>ulimit -n</c>).</summary>
    TooManyOpenFiles = 24,
    /// <summary>EPIPE: the peer is gone; writing is no longer possible.</summary>
    BrokenPipe = 32,
    /// <summary>EADDRINUSE: another socket holds the address and port.</summary>
    AddressInUse = 98,
    /// <summary>EADDRNOTAVAIL: the address is not on this machine, or no local port is free.</summary>
    AddressNotAvailable = 99,
    /// <summary>ENETUNREACH: no route to the network.</summary>
    NetworkUnreachable = 101,
    /// <summary>ECONNABORTED: the connection was aborted before it was accepted.</summary>
    ConnectionAborted = 103,
    /// <summary>ECONNRESET: the peer reset the connection.</summary>
    ConnectionReset = 104,
    /// <summary>ENOBUFS: the kernel has no buffer space.</summary>
    NoBufferSpace = 105,
    /// <summary>ENOTCONN: the socket is not connected.</summary>
    NotConnected = 107,
    /// <summary>ETIMEDOUT: the operation timed out (a connect past its deadline, or the kernel's retransmissions gave up).</summary>
    TimedOut = 110,
    /// <summary>ECONNREFUSED: nothing listens at the address.</summary>
    ConnectionRefused = 111,
    /// <summary>EHOSTUNREACH: no route to the host.</summary>
    HostUnreachable = 113,
    /// <summary>EINPROGRESS: a nonblocking connect has started. Internal; users never see it.</summary>
    InProgress = 115,
    /// <summary>ECANCELED: the operation was cancelled, e.g. a connect still pending when its loop stopped.</summary>
    Canceled = 125,
}

/// <summary>Texts for <see cref="ErrorCode"/>.</summary>
public static class ErrorCodeExtensions
{
    /// <summary>The C library's text for the error, e.g. "Connection refused" (strerror(3)).</summary>
    public static string Message(this ErrorCode code) => Sys.StrError(code);
}
