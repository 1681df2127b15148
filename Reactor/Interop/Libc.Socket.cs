using System.Runtime.InteropServices;

namespace Reactor.Interop;

// socket(2) and friends, the same on Linux, macOS and FreeBSD. The constants that differ live in
// OsConstants and its tables (Linux/Linux.cs, Bsd/MacOS.cs, Bsd/FreeBsd.cs).
internal static unsafe partial class Libc
{
    internal const int AF_UNIX = 1;
    internal const int AF_INET = 2;
    internal const int SOCK_STREAM = 1;
    internal const int SOCK_DGRAM = 2;

    internal const int IPPROTO_IP = 0;
    internal const int IPPROTO_TCP = 6;
    internal const int TCP_NODELAY = 1;
    internal const int IPPROTO_IPV6 = 41;

    internal const int SHUT_WR = 1;

    /// <summary>
    /// struct sockaddr_in as Linux spells it. BSD has the same offsets, but its first two bytes are
    /// sin_len and sin_family (one byte each): <see cref="Platform.Sockets"/> writes them.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct sockaddr_in
    {
        public ushort sin_family;
        public ushort sin_port;     // network byte order
        public uint sin_addr;       // network byte order
        public ulong sin_zero;
    }

    /// <summary>struct sockaddr_in6, with the same note on its first two bytes as <see cref="sockaddr_in"/>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct sockaddr_in6
    {
        public ushort sin6_family;
        public ushort sin6_port;    // network byte order
        public uint sin6_flowinfo;
        public fixed byte sin6_addr[16];
        public uint sin6_scope_id;
    }

    /// <summary>Large enough for any address family we use (sockaddr_storage is 128 bytes on all three).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 128)]
    internal struct sockaddr_storage
    {
        public ushort ss_family;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct iovec
    {
        public void* iov_base;
        public nint iov_len;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct linger
    {
        public int l_onoff;
        public int l_linger;
    }

    /// <summary>
    /// struct msghdr as Linux lays it out (56 bytes). BSD's msg_iovlen and msg_controllen are
    /// 4-byte ints followed by padding (48 bytes, msg_flags at 44): a header whose other fields
    /// are zero and whose counts are small reads the same there on little-endian machines.
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct msghdr
    {
        public void* msg_name;
        public uint msg_namelen;
        public iovec* msg_iov;
        public nint msg_iovlen;
        public void* msg_control;
        public nint msg_controllen;
        public int msg_flags;
    }

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int bind(int sockfd, void* addr, uint addrlen);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int listen(int sockfd, int backlog);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int accept(int sockfd, void* addr, uint* addrlen);

    /// <summary>accept4(2): Linux and FreeBSD (10 and later); macOS has none.</summary>
    [LibraryImport(Name, SetLastError = true)]
    internal static partial int accept4(int sockfd, void* addr, uint* addrlen, int flags);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int connect(int sockfd, void* addr, uint addrlen);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int socketpair(int domain, int type, int protocol, int* sv);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial nint recv(int sockfd, void* buf, nint len, int flags);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial nint send(int sockfd, void* buf, nint len, int flags);

    /// <summary>Vectored send; unlike writev(2) it takes MSG_NOSIGNAL, so a reset peer never raises SIGPIPE.</summary>
    [LibraryImport(Name, SetLastError = true)]
    internal static partial nint sendmsg(int sockfd, msghdr* msg, int flags);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int setsockopt(int sockfd, int level, int optname, void* optval, uint optlen);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int getsockopt(int sockfd, int level, int optname, void* optval, uint* optlen);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int getsockname(int sockfd, void* addr, uint* addrlen);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int getpeername(int sockfd, void* addr, uint* addrlen);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int shutdown(int sockfd, int how);
}
