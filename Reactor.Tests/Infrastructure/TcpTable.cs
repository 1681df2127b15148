using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Net;
using System.Runtime.InteropServices;

namespace Reactor.Tests.Infrastructure;

/// <summary>
/// The IPv4 TCP sockets of this network namespace in one state, dumped by the kernel's socket
/// diagnostics (netlink sock_diag, as ss(8) does). Binary and limited to the state asked for, a
/// dump stays quick on a loaded machine whose namespace holds tens of thousands of sockets, where
/// /proc/net/tcp (every socket as text, TIME_WAIT too) takes seconds. The kernel walks its tables
/// while sockets open and close, so one dump can repeat or miss entries.
/// </summary>
public static class TcpTable
{
    public const int Established = 1, Listen = 10;   // TCP_ESTABLISHED, TCP_LISTEN

    /// <param name="RxQueue">Unread bytes; for a listening socket, connections waiting in its accept queue.</param>
    /// <param name="TxQueue">Unsent bytes; for a listening socket, the accept queue's limit (the backlog in effect).</param>
    /// <param name="Timer">The pending timer: 0 none, 1 retransmit, 2 keep-alive, 3 TIME_WAIT, 4 zero-window probe.</param>
    /// <param name="TimerMs">Milliseconds until it fires.</param>
    public readonly record struct Entry(IPEndPoint Local, IPEndPoint Remote, int State, long RxQueue, long TxQueue, int Timer, long TimerMs);

    public static List<Entry> Read(int state)
    {
        int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
        if (fd < 0) throw new InvalidOperationException($"netlink socket: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            // nlmsghdr (length, type, flags, sequence, port id), then inet_diag_req_v2 (family,
            // protocol, extensions, pad, states, and a zero socket id: every socket).
            var request = new byte[16 + 56];
            Span<byte> r = request;
            MemoryMarshal.Write(r, request.Length);
            MemoryMarshal.Write(r[4..], SOCK_DIAG_BY_FAMILY);
            MemoryMarshal.Write(r[6..], (ushort)(NLM_F_REQUEST | NLM_F_DUMP));
            r[16] = AF_INET;
            r[17] = IPPROTO_TCP;
            MemoryMarshal.Write(r[20..], 1u << state);
            if (send(fd, request, request.Length, 0) != request.Length) throw new InvalidOperationException($"sock_diag send: errno {Marshal.GetLastPInvokeError()}");

            var entries = new List<Entry>();
            var buffer = new byte[64 * 1024];
            while (true)
            {
                int n = (int)recv(fd, buffer, buffer.Length, 0);
                if (n < 0) throw new InvalidOperationException($"sock_diag recv: errno {Marshal.GetLastPInvokeError()}");
                for (int at = 0; at + 16 <= n;)
                {
                    int length = MemoryMarshal.Read<int>(buffer.AsSpan(at));
                    ushort type = MemoryMarshal.Read<ushort>(buffer.AsSpan(at + 4));
                    if (type == NLMSG_DONE) return entries;
                    if (type == NLMSG_ERROR) throw new InvalidOperationException($"sock_diag: errno {-MemoryMarshal.Read<int>(buffer.AsSpan(at + 16))}");
                    // inet_diag_msg: family, state, timer, retransmits, then the socket id (ports
                    // big-endian at 4 and 6, addresses at 8 and 24), expiry at 52, the receive queue at 56
                    // and the send queue at 60.
                    ReadOnlySpan<byte> m = buffer.AsSpan(at + 16, length - 16);
                    entries.Add(new Entry(
                        new IPEndPoint(new IPAddress(m.Slice(8, 4)), BinaryPrimitives.ReadUInt16BigEndian(m[4..])),
                        new IPEndPoint(new IPAddress(m.Slice(24, 4)), BinaryPrimitives.ReadUInt16BigEndian(m[6..])),
                        m[1], MemoryMarshal.Read<uint>(m[56..]), MemoryMarshal.Read<uint>(m[60..]), m[2], MemoryMarshal.Read<uint>(m[52..])));
                    at += (length + 3) & ~3;
                }
            }
        }
        finally
        {
            close(fd);
        }
    }

    private const int AF_NETLINK = 16, SOCK_RAW = 3, SOCK_CLOEXEC = 0x80000, NETLINK_SOCK_DIAG = 4;
    private const byte AF_INET = 2, IPPROTO_TCP = 6;
    private const ushort SOCK_DIAG_BY_FAMILY = 20, NLM_F_REQUEST = 0x1, NLM_F_DUMP = 0x300, NLMSG_ERROR = 2, NLMSG_DONE = 3;

    [DllImport("libc", SetLastError = true)]
    private static extern int socket(int domain, int type, int protocol);

    [DllImport("libc", SetLastError = true)]
    private static extern nint send(int fd, byte[] buffer, nint length, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern nint recv(int fd, byte[] buffer, nint length, int flags);

    [DllImport("libc")]
    private static extern int close(int fd);
}
