using System;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using Reactor.Interop;
using static Reactor.Interop.Libc;

namespace Reactor.Platform;

// Socket setup: create, set options, bind, listen, connect. Failures throw ReactorException
// naming the call, except where a caller on the loop needs the error as a value.
internal static unsafe partial class Sockets
{
    /// <summary>
    /// True where every loop can bind its own listener to one port and the kernel spreads new
    /// connections across them (SO_REUSEPORT on Linux, SO_REUSEPORT_LB on FreeBSD). False on
    /// macOS, where the loops share one listener (see LoopGroup.Serve).
    /// </summary>
    public static bool KernelSpreadsConnections => OsConstants.Current.ReusePortSpreading != 0;

    /// <summary>
    /// A nonblocking listening socket on <paramref name="address"/>:<paramref name="port"/> with
    /// SO_REUSEADDR and, where <see cref="KernelSpreadsConnections"/>, the option that lets every
    /// loop bind its own socket to the same port and the kernel spread connections across them,
    /// and with the socket options and backlog of <paramref name="options"/>, set before listen(2)
    /// so that accepted sockets inherit them.
    /// </summary>
    public static int Listen(IPAddress address, int port, ReactorOptions options)
    {
        OsConstants os = OsConstants.Current;
        int fd = CreateSocket(address, SOCK_STREAM);
        try
        {
            SetOption(fd, os.SOL_SOCKET, os.SO_REUSEADDR, 1, "SO_REUSEADDR");
            if (os.ReusePortSpreading != 0) SetOption(fd, os.SOL_SOCKET, os.ReusePortSpreading, 1, "SO_REUSEPORT");
            // "::" takes IPv4 clients too (as ::ffff:a.b.c.d), as most servers do; the kernel
            // default (net.ipv6.bindv6only on Linux, on on FreeBSD) may say otherwise, so it is set explicitly.
            if (address.AddressFamily == AddressFamily.InterNetworkV6) SetOption(fd, IPPROTO_IPV6, os.IPV6_V6ONLY, 0, "IPV6_V6ONLY");
            ApplyStreamOptions(fd, options, inherited: false);
            Bind(fd, address, port);
            Sys.ThrowIfError(Sys.Check(listen(fd, options.Backlog)), $"listen {Format(address, port)}");
            return fd;
        }
        catch
        {
            Sys.Close(fd);
            throw;
        }
    }

    /// <summary>
    /// A nonblocking UDP socket bound to <paramref name="address"/>:<paramref name="port"/>, with
    /// SO_REUSEPORT so each loop binds its own and the kernel spreads datagrams by source, and with
    /// the buffer sizes of <paramref name="options"/>; with <paramref name="remote"/> it is connected
    /// too (the kernel then reports ICMP errors such as port unreachable on it). Linux only:
    /// elsewhere it throws <see cref="PlatformNotSupportedException"/>.
    /// </summary>
    public static int BindDatagram(IPAddress address, int port, IPEndPoint? remote, ReactorOptions options)
    {
        Unsupported.IfNotLinux("UDP sockets", "they batch with recvmmsg/sendmmsg and Linux's struct mmsghdr; FreeBSD's differs and macOS has none");
        int fd = CreateSocket(address, SOCK_DGRAM);
        try
        {
            SetOption(fd, Linux.SOL_SOCKET, Linux.SO_REUSEPORT, 1, "SO_REUSEPORT");
            Sys.ThrowIfError(TryApplyBufferSizes(fd, options, out string option), $"setsockopt({option})");
            if (address.AddressFamily == AddressFamily.InterNetworkV6) SetOption(fd, IPPROTO_IPV6, Linux.IPV6_V6ONLY, 0, "IPV6_V6ONLY");
            Bind(fd, address, port);
            if (remote is not null)
            {
                sockaddr_storage sa;
                uint length = ToSockaddr(remote.Address, remote.Port, &sa);
                Sys.ThrowIfError(Sys.Check(connect(fd, &sa, length)), $"connect {Format(remote.Address, remote.Port)}");
            }
            return fd;
        }
        catch
        {
            Sys.Close(fd);
            throw;
        }
    }

    /// <summary>
    /// Throws "bind ADDR:PORT: Address already in use" when another socket holds the port.
    /// SO_REUSEPORT would otherwise let a second server of the same user share the port silently;
    /// a probe bound without it fails against any listener there.
    /// </summary>
    public static void EnsurePortFree(IPAddress address, int port, bool datagram = false)
    {
        int fd = CreateSocket(address, datagram ? SOCK_DGRAM : SOCK_STREAM);
        try
        {
            // TCP: a port whose last connections linger in TIME_WAIT is free. UDP has no such state.
            OsConstants os = OsConstants.Current;
            if (!datagram) SetOption(fd, os.SOL_SOCKET, os.SO_REUSEADDR, 1, "SO_REUSEADDR");
            // Dual-stack like the listeners, so a server on "0.0.0.0" holding the port is found too.
            if (address.AddressFamily == AddressFamily.InterNetworkV6) SetOption(fd, IPPROTO_IPV6, os.IPV6_V6ONLY, 0, "IPV6_V6ONLY");
            Bind(fd, address, port);
        }
        finally
        {
            Sys.Close(fd);
        }
    }

    /// <summary>True when <paramref name="fd"/> is a socket in the listening state (SO_ACCEPTCONN).</summary>
    public static bool IsListening(int fd) => TryGet(fd, OsConstants.Current.SOL_SOCKET, OsConstants.Current.SO_ACCEPTCONN) != 0;

    /// <summary>Another fd for the same socket, close-on-exec: each loop registers and closes its own copy of an inherited listener.</summary>
    public static int Duplicate(int fd) =>
        Sys.ThrowIfError(Sys.Check(fcntl(fd, OsConstants.Current.F_DUPFD_CLOEXEC, 0)), $"fcntl(F_DUPFD_CLOEXEC) on fd {fd}");

    public static int CreateSocket(IPAddress address, int type) => Sys.ThrowIfError(TryCreate(address, type), "socket");

    /// <summary>A nonblocking TCP socket for <paramref name="address"/>'s family, or a negative error (for the loop, which must not throw).</summary>
    public static int TryCreateStream(IPAddress address) => TryCreate(address, SOCK_STREAM);

    private static int TryCreate(IPAddress address, int type)
    {
        int fd = Sys.Check(socket(FamilyOf(address), type | CreationFlags, 0));
        return fd >= 0 && OperatingSystem.IsMacOS() ? MakeNonBlockingCloseOnExec(fd) : fd;
    }

    /// <summary>
    /// Starts a nonblocking connect from <paramref name="source"/> (when set) to
    /// <paramref name="remote"/>. Returns 0 (connected at once), -InProgress, or another negative error.
    /// </summary>
    public static int StartConnect(int fd, IPEndPoint remote, IPAddress? source)
    {
        sockaddr_storage sa;
        if (source is not null)
        {
            // Leave the port to connect(2): binding picks it without knowing the destination, so
            // many connections from one source address would run out of ports much sooner.
            int one = 1;
            int noPort = OsConstants.Current.IP_BIND_ADDRESS_NO_PORT;
            if (source.AddressFamily == AddressFamily.InterNetwork && noPort != 0) setsockopt(fd, IPPROTO_IP, noPort, &one, sizeof(int));
            uint sourceLength = ToSockaddr(source, 0, &sa);
            int bound = Sys.Check(bind(fd, &sa, sourceLength));
            if (bound < 0) return bound;
        }
        uint length = ToSockaddr(remote.Address, remote.Port, &sa);
        int rc;
        do rc = Sys.Check(connect(fd, &sa, length)); while (rc == -(int)ErrorCode.Interrupted);
        return rc;
    }

    /// <summary>
    /// An fd kept in reserve for the EMFILE trick (see Listener): /dev/null, read-only,
    /// close-on-exec. Returns the fd or a negative error.
    /// </summary>
    public static int OpenReserve() => Sys.Check(open("/dev/null", O_RDONLY | OsConstants.Current.O_CLOEXEC));

    public static int FamilyOf(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? OsConstants.Current.AF_INET6 : AF_INET;

    public static void Bind(int fd, IPAddress address, int port)
    {
        sockaddr_storage sa;
        uint length = ToSockaddr(address, port, &sa);
        Sys.ThrowIfError(Sys.Check(bind(fd, &sa, length)), $"bind {Format(address, port)}");
    }

    public static void SetOption(int fd, int level, int name, int value, string what) =>
        Sys.ThrowIfError(TrySet(fd, level, name, value), $"setsockopt({what})");

    /// <summary>The address a socket is bound to.</summary>
    public static IPEndPoint LocalEndPoint(int fd)
    {
        sockaddr_storage sa;
        uint length = (uint)sizeof(sockaddr_storage);
        Sys.ThrowIfError(Sys.Check(getsockname(fd, &sa, &length)), "getsockname");
        return FromSockaddr(&sa);
    }

    /// <summary>The address of a connected socket's peer, or null when it has none (ENOTCONN after a reset).</summary>
    public static IPEndPoint? TryRemoteEndPoint(int fd)
    {
        sockaddr_storage sa;
        uint length = (uint)sizeof(sockaddr_storage);
        return Sys.Check(getpeername(fd, &sa, &length)) < 0 ? null : FromSockaddr(&sa);
    }

    /// <summary>The address a socket is bound to, or null when the call fails (for the loop, which must not throw).</summary>
    public static IPEndPoint? TryLocalEndPoint(int fd)
    {
        sockaddr_storage sa;
        uint length = (uint)sizeof(sockaddr_storage);
        return Sys.Check(getsockname(fd, &sa, &length)) < 0 ? null : FromSockaddr(&sa);
    }

    /// <summary>
    /// SO_LINGER on with a zero timeout: close(2) then discards unsent data and sends RST instead
    /// of FIN (socket(7)), which is how a reset is passed on to another peer.
    /// </summary>
    public static void ResetOnClose(int fd)
    {
        linger l = new() { l_onoff = 1, l_linger = 0 };
        setsockopt(fd, OsConstants.Current.SOL_SOCKET, OsConstants.Current.SO_LINGER, &l, (uint)sizeof(linger));
    }

    public static uint ToSockaddr(IPAddress address, int port, sockaddr_storage* sa) => ToSockaddr(address, port, sa, OsConstants.Current);

    /// <summary>The sockaddr of <paramref name="address"/>:<paramref name="port"/> as <paramref name="os"/> lays it out; returns its length.</summary>
    public static uint ToSockaddr(IPAddress address, int port, sockaddr_storage* sa, OsConstants os)
    {
        *sa = default;
        ushort networkPort = (ushort)IPAddress.HostToNetworkOrder((short)port);
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var sin6 = (sockaddr_in6*)sa;
            WriteFamily(sa, os.AF_INET6, sizeof(sockaddr_in6), os);
            sin6->sin6_port = networkPort;
            sin6->sin6_scope_id = (uint)address.ScopeId;
            address.TryWriteBytes(new Span<byte>(sin6->sin6_addr, 16), out _);
            return (uint)sizeof(sockaddr_in6);
        }
        var sin = (sockaddr_in*)sa;
        WriteFamily(sa, AF_INET, sizeof(sockaddr_in), os);
        sin->sin_port = networkPort;
        uint addr;
        address.TryWriteBytes(new Span<byte>(&addr, 4), out _);
        sin->sin_addr = addr;
        return (uint)sizeof(sockaddr_in);
    }

    // BSD: sin_len then a one-byte family; Linux: a two-byte family.
    private static void WriteFamily(sockaddr_storage* sa, int family, int length, OsConstants os)
    {
        if (os.HasSinLen)
        {
            ((byte*)sa)[0] = (byte)length;
            ((byte*)sa)[1] = (byte)family;
        }
        else
        {
            sa->ss_family = (ushort)family;
        }
    }

    /// <summary>The address family of a sockaddr as this system lays it out.</summary>
    public static int FamilyOf(sockaddr_storage* sa) => FamilyOf(sa, OsConstants.Current);

    private static int FamilyOf(sockaddr_storage* sa, OsConstants os) => os.HasSinLen ? ((byte*)sa)[1] : sa->ss_family;

    /// <summary>The length of a sockaddr (from a caller of the C ABI) of family AF_INET or AF_INET6; 0 for any other family.</summary>
    public static uint SockaddrLength(sockaddr_storage* sa)
    {
        int family = FamilyOf(sa);
        return family == AF_INET ? (uint)sizeof(sockaddr_in) : family == OsConstants.Current.AF_INET6 ? (uint)sizeof(sockaddr_in6) : 0;
    }

    public static IPEndPoint FromSockaddr(sockaddr_storage* sa) => FromSockaddr(sa, OsConstants.Current);

    /// <summary>The address in a sockaddr laid out as <paramref name="os"/> does.</summary>
    public static IPEndPoint FromSockaddr(sockaddr_storage* sa, OsConstants os)
    {
        int family = FamilyOf(sa, os);
        if (family == os.AF_INET6)
        {
            var sin6 = (sockaddr_in6*)sa;
            var address = new IPAddress(new ReadOnlySpan<byte>(sin6->sin6_addr, 16), sin6->sin6_scope_id);
            return new IPEndPoint(address, (ushort)IPAddress.NetworkToHostOrder((short)sin6->sin6_port));
        }
        var sin = (sockaddr_in*)sa;
        return new IPEndPoint(new IPAddress(sin->sin_addr), (ushort)IPAddress.NetworkToHostOrder((short)sin->sin_port));
    }

    /// <summary>
    /// An address as users write it: IPv4 or IPv6 text (IPv6 optionally in brackets), or
    /// "localhost" in any case (127.0.0.1). False for anything else; no name is looked up.
    /// </summary>
    public static bool TryParseAddress(string text, [NotNullWhen(true)] out IPAddress? address)
    {
        if (text.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
            return true;
        }
        string bare = text.Length > 2 && text[0] == '[' && text[^1] == ']' ? text[1..^1] : text;
        return IPAddress.TryParse(bare, out address);
    }

    public static string Format(IPAddress address, int port) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";
}
