using System;
using System.Buffers.Binary;

namespace Reactor.Protocols;

/// <summary>
/// The answering side of sockperf's UDP protocol (what <c>sockperf server</c> does), so that a user's
/// own <c>sockperf ping-pong</c> and <c>under-load</c> runs can measure Reactor: each datagram starts
/// with a 16-byte header (a sequence number, 16-bit flags in network order at byte 8, the length at
/// byte 12); a pong request from a client is sent back with its client flag cleared, anything else
/// (warm-up messages, throughput traffic, replies) is not answered. A plain echo cannot serve
/// sockperf: its client drops replies that still carry the client flag. Stateless.
/// </summary>
public sealed class SockperfHandler : IDatagramHandler
{
    private const int HeaderSize = 16;
    private const ushort Client = 1, PongRequest = 2, Warmup = 4;

    public void OnDatagram(UdpSocket socket, Span<byte> datagram, in UdpPeer peer)
    {
        if (datagram.Length < HeaderSize) return;
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(datagram[8..]);
        if ((flags & Client) == 0 || (flags & Warmup) != 0 || (flags & PongRequest) == 0) return;
        BinaryPrimitives.WriteUInt16BigEndian(datagram[8..], (ushort)(flags & ~Client));
        socket.SendTo(datagram, peer);
    }
}
