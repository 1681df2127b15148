using System.Runtime.InteropServices;

namespace Reactor.Interop;

// socket(7), tcp(7), ip(7), ipv6(7) with Linux constant values.
internal static unsafe partial class Libc
{
    internal const int AF_UNIX = 1;
    internal const int AF_INET = 2;
    internal const int AF_INET6 = 10;
    internal const int SOCK_STREAM = 1;
    internal const int SOCK_DGRAM = 2;
    internal const int SOCK_NONBLOCK = 0x800;
    internal const int SOCK_CLOEXEC = 0x80000;

    internal const int SOL_SOCKET = 1;
    internal const int SO_REUSEADDR = 2;
    internal const int SO_ERROR = 4;
    internal const int SO_SNDBUF = 7;
    internal const int SO_RCVBUF = 8;
    internal const int SO_KEEPALIVE = 9;
    internal const int SO_LINGER = 13;
    internal const int SO_REUSEPORT = 15;
    internal const int SO_ACCEPTCONN = 30;
    internal const int IPPROTO_IP = 0;
    internal const int IP_BIND_ADDRESS_NO_PORT = 24;
    internal const int IPPROTO_TCP = 6;
    internal const int TCP_NODELAY = 1;
    internal const int TCP_KEEPIDLE = 4;
    internal const int TCP_KEEPINTVL = 5;
    internal const int TCP_KEEPCNT = 6;
    internal const int TCP_INFO = 11;
    internal const int IPPROTO_IPV6 = 41;
    internal const int IPV6_V6ONLY = 26;

    internal const int MSG_TRUNC = 0x20;
    internal const int MSG_DONTWAIT = 0x40;
    internal const int MSG_NOSIGNAL = 0x4000;

    internal const int SHUT_RD = 0;
    internal const int SHUT_WR = 1;
    internal const int SHUT_RDWR = 2;

    [StructLayout(LayoutKind.Sequential)]
    internal struct sockaddr_in
    {
        public ushort sin_family;
        public ushort sin_port;     // network byte order
        public uint sin_addr;       // network byte order
        public ulong sin_zero;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct sockaddr_in6
    {
        public ushort sin6_family;
        public ushort sin6_port;    // network byte order
        public uint sin6_flowinfo;
        public fixed byte sin6_addr[16];
        public uint sin6_scope_id;
    }

    /// <summary>Large enough for any address family we use (sockaddr_storage is 128 bytes).</summary>
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

    /// <summary>
    /// The start of struct tcp_info (linux/tcp.h), as far as Reactor reads it; the kernel copies
    /// only the length asked for. On a listening socket tcpi_unacked is the accept queue's length
    /// and tcpi_sacked its limit (the listen backlog after the net.core.somaxconn cap).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct tcp_info
    {
        public byte tcpi_state;
        public byte tcpi_ca_state;
        public byte tcpi_retransmits;
        public byte tcpi_probes;
        public byte tcpi_backoff;
        public byte tcpi_options;
        public byte tcpi_wscale;          // snd_wscale:4, rcv_wscale:4
        public byte tcpi_flags;           // delivery_rate_app_limited:1, fastopen_client_fail:2
        public uint tcpi_rto;
        public uint tcpi_ato;
        public uint tcpi_snd_mss;
        public uint tcpi_rcv_mss;
        public uint tcpi_unacked;
        public uint tcpi_sacked;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct linger
    {
        public int l_onoff;
        public int l_linger;
    }

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int socket(int domain, int type, int protocol);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int bind(int sockfd, void* addr, uint addrlen);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int listen(int sockfd, int backlog);

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

    /// <summary>Vectored send; unlike writev(2) it takes MSG_NOSIGNAL, so a reset peer never raises SIGPIPE.</summary>
    [LibraryImport(Name, SetLastError = true)]
    internal static partial nint sendmsg(int sockfd, msghdr* msg, int flags);

    [StructLayout(LayoutKind.Sequential)]
    internal struct mmsghdr
    {
        public msghdr msg_hdr;
        public uint msg_len;       // bytes received, or sent
    }

    /// <summary>Receives up to <paramref name="vlen"/> datagrams in one call (recvmmsg(2)).</summary>
    [LibraryImport(Name, SetLastError = true)]
    internal static partial int recvmmsg(int sockfd, mmsghdr* msgvec, uint vlen, int flags, void* timeout);

    /// <summary>Sends up to <paramref name="vlen"/> datagrams in one call (sendmmsg(2)); returns how many were sent.</summary>
    [LibraryImport(Name, SetLastError = true)]
    internal static partial int sendmmsg(int sockfd, mmsghdr* msgvec, uint vlen, int flags);

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
