using System;
using System.Net;
using System.Runtime.InteropServices;
using Reactor.Backends;
using Reactor.Interop;
using Reactor.Loop;
using Reactor.Platform;
using static Reactor.Interop.Libc;

namespace Reactor;

/// <summary>
/// A UDP socket on a loop. Reads are batched: one recvmmsg(2) takes up to
/// <see cref="ReactorOptions.DatagramBatch"/> datagrams, each handed to the
/// <see cref="IDatagramHandler"/> in place, with its peer. Sends are batched too: a datagram given
/// to <see cref="SendTo"/> is copied into the socket's send area, and everything sent during the
/// iteration leaves in one sendmmsg(2) at its end (or sooner, when the batch is full). Nothing is
/// queued beyond that: UDP may drop, so a datagram the kernel refuses (its buffer is full) is
/// dropped and counted (<see cref="LoopStats.DatagramsDropped"/>), never kept without bound.
/// Memory is native, allocated once per socket; no managed allocation per datagram.
/// </summary>
/// <remarks>
/// Loop thread only, except <see cref="LocalEndPoint"/>. ICMP errors the kernel reports on a
/// connected socket (a peer's closed port: ECONNREFUSED) are counted in
/// <see cref="LoopStats.DatagramErrors"/> and reading goes on.
/// </remarks>
public sealed unsafe class UdpSocket : Registration
{
    // recvmmsg calls per readiness event while each returns a full batch; then the loop moves on
    // (level-triggered, so the rest is reported again), as the TCP read budget does.
    private const int ReadBudget = 4;

    private readonly IDatagramHandler _handler;
    private readonly int _batch;
    private readonly int _slotSize;
    private readonly int _slotStride;    // _slotSize rounded up to a cache line, so every slot and header is aligned

    // One native block: receive slots, then the send area, then the message headers, iovecs and addresses.
    private readonly byte* _memory;
    private readonly byte* _receiveSlots;
    private readonly mmsghdr* _receiveMessages;
    private readonly sockaddr_storage* _receiveNames;
    private readonly byte* _sendArea;
    private readonly int _sendAreaSize;
    private readonly mmsghdr* _sendMessages;
    private readonly iovec* _sendIovecs;
    private readonly sockaddr_storage* _sendNames;
    private int _sendCount;
    private int _sendAreaUsed;
    private bool _flushDeferred;

    private UdpSocket(EventLoop loop, int fd, IDatagramHandler handler) : base(loop, fd)
    {
        _handler = handler;
        _batch = loop.Options.DatagramBatch;
        _slotSize = loop.Options.MaxDatagramBytes;
        // Room for a full batch of typical datagrams and for the largest one, whichever is more.
        _slotStride = AlignUp(_slotSize);
        _sendAreaSize = AlignUp(Math.Max(_batch * 2048, 2 * _slotSize));
        nuint slots = (nuint)_batch * (nuint)_slotStride;
        nuint headers = (nuint)(_batch * 2 * (sizeof(mmsghdr) + sizeof(iovec) + sizeof(sockaddr_storage)));
        // Not zeroed: untouched pages of the slots stay virtual until datagrams that large arrive.
        _memory = (byte*)NativeMemory.AlignedAlloc(slots + (nuint)_sendAreaSize + headers, 64);
        _receiveSlots = _memory;
        _sendArea = _receiveSlots + slots;
        byte* p = _sendArea + _sendAreaSize;
        _receiveMessages = (mmsghdr*)p; p += _batch * sizeof(mmsghdr);
        _sendMessages = (mmsghdr*)p; p += _batch * sizeof(mmsghdr);
        var receiveIovecs = (iovec*)p; p += _batch * sizeof(iovec);
        _sendIovecs = (iovec*)p; p += _batch * sizeof(iovec);
        _receiveNames = (sockaddr_storage*)p; p += _batch * sizeof(sockaddr_storage);
        _sendNames = (sockaddr_storage*)p;
        for (int i = 0; i < _batch; i++)
        {
            receiveIovecs[i].iov_base = _receiveSlots + (nint)i * _slotStride;
            receiveIovecs[i].iov_len = _slotSize;
            _receiveMessages[i] = default;
            _receiveMessages[i].msg_hdr.msg_iov = &receiveIovecs[i];
            _receiveMessages[i].msg_hdr.msg_iovlen = 1;
            _sendMessages[i] = default;
            _sendMessages[i].msg_hdr.msg_iov = &_sendIovecs[i];
            _sendMessages[i].msg_hdr.msg_iovlen = 1;
        }
        LocalEndPoint = Sockets.LocalEndPoint(fd);
    }

    /// <summary>
    /// Binds a UDP socket to <paramref name="local"/> (port 0 picks one; SO_REUSEPORT, so several
    /// loops may bind the same port and the kernel spreads datagrams by source) on
    /// <paramref name="loop"/>, connected to <paramref name="remote"/> when given (a client: then
    /// <see cref="Send"/> needs no address, and ICMP errors are reported). Before the loop runs or
    /// on its thread. Throws <see cref="ReactorException"/> naming the failed call.
    /// </summary>
    public static UdpSocket Open(EventLoop loop, IPEndPoint local, IDatagramHandler handler, IPEndPoint? remote = null)
    {
        int fd = Sockets.BindDatagram(local.Address, local.Port, remote, loop.Options);
        UdpSocket socket;
        try
        {
            socket = new UdpSocket(loop, fd, handler);
        }
        catch
        {
            Sys.Close(fd);
            throw;
        }
        int registered = loop.Register(socket, Interest.Read);
        if (registered < 0)
        {
            socket.Close();
            Sys.ThrowIfError(registered, $"{loop.BackendName}: register UDP socket");
        }
        return socket;
    }

    /// <summary>The loop that owns the socket.</summary>
    public EventLoop Loop => OwnerLoop;

    /// <summary>The bound address and port.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>False once closed.</summary>
    public bool IsOpen => Fd >= 0;

    /// <summary>
    /// Queues <paramref name="datagram"/> to <paramref name="peer"/>; it leaves with the iteration's
    /// other datagrams in one sendmmsg(2). Returns false (and counts it dropped) when the socket is
    /// closed or the datagram is larger than <see cref="ReactorOptions.MaxDatagramBytes"/>.
    /// </summary>
    public bool SendTo(ReadOnlySpan<byte> datagram, in UdpPeer peer)
    {
        fixed (byte* address = peer.Address) return Queue(datagram, address, peer.Length);
    }

    /// <summary>Queues <paramref name="datagram"/> on a connected socket (see <see cref="Open"/>), as <see cref="SendTo"/> does.</summary>
    public bool Send(ReadOnlySpan<byte> datagram) => Queue(datagram, null, 0);

    /// <summary>Sends what is queued, then closes the socket. Loop thread only.</summary>
    public void Close()
    {
        if (Fd < 0) return;
        Flush();
        if (IsRegistered) OwnerLoop.Unregister(this);
        Sys.Close(Fd);
        Fd = -1;
        NativeMemory.AlignedFree(_memory);
    }

    internal override void OnReady(in ReadyEvent ready) => Receive();

    internal override void RunDeferred()
    {
        _flushDeferred = false;
        Flush();
    }

    internal override void OnLoopStopping() => Close();

    private void Receive()
    {
        LoopStats stats = OwnerLoop.Stats;
        for (int calls = 0; calls < ReadBudget && Fd >= 0; calls++)
        {
            for (int i = 0; i < _batch; i++)
            {
                _receiveMessages[i].msg_hdr.msg_name = &_receiveNames[i];
                _receiveMessages[i].msg_hdr.msg_namelen = (uint)sizeof(sockaddr_storage);
            }
            int n = Sockets.ReceiveDatagrams(Fd, _receiveMessages, _batch);
            stats.datagramSyscalls++;
            if (n < 0)
            {
                // An ICMP error queued on the socket (a connected peer's port was closed) comes back
                // here once and is cleared; anything else (ENOMEM) is retried on the next event.
                if (Sys.ErrorOf(n) != ErrorCode.WouldBlock) stats.datagramErrors++;
                if (Sys.ErrorOf(n) == ErrorCode.ConnectionRefused) continue;
                return;
            }
            for (int i = 0; i < n && Fd >= 0; i++)
            {
                ref mmsghdr message = ref _receiveMessages[i];
                if ((message.msg_hdr.msg_flags & Sockets.DatagramTruncated) != 0)
                {
                    stats.datagramsTruncated++;
                    continue;
                }
                stats.datagramsReceived++;
                stats.bytesReceived += message.msg_len;
                UdpPeer peer = UdpPeer.From(&_receiveNames[i], message.msg_hdr.msg_namelen);
                Deliver(new Span<byte>(_receiveSlots + (nint)i * _slotStride, (int)message.msg_len), peer);
            }
            if (n < _batch) return;
        }
    }

    private void Deliver(Span<byte> datagram, in UdpPeer peer)
    {
        OwnerLoop.CallbackDepth++;
        try
        {
            _handler.OnDatagram(this, datagram, peer);
        }
        catch (Exception e)
        {
            OwnerLoop.ReportCallbackError(e);
        }
        finally
        {
            OwnerLoop.CallbackDepth--;
        }
    }

    private bool Queue(ReadOnlySpan<byte> datagram, byte* address, int addressLength)
    {
        if (Fd < 0 || datagram.Length > _slotSize)
        {
            OwnerLoop.Stats.datagramsDropped++;
            return false;
        }
        if (_sendCount == _batch || _sendAreaUsed + datagram.Length > _sendAreaSize) Flush();
        byte* target = _sendArea + _sendAreaUsed;
        datagram.CopyTo(new Span<byte>(target, datagram.Length));
        _sendAreaUsed += datagram.Length;
        ref mmsghdr message = ref _sendMessages[_sendCount];
        _sendIovecs[_sendCount].iov_base = target;
        _sendIovecs[_sendCount].iov_len = datagram.Length;
        if (address != null)
        {
            Buffer.MemoryCopy(address, &_sendNames[_sendCount], sizeof(sockaddr_storage), addressLength);
            message.msg_hdr.msg_name = &_sendNames[_sendCount];
            message.msg_hdr.msg_namelen = (uint)addressLength;
        }
        else
        {
            message.msg_hdr.msg_name = null;
            message.msg_hdr.msg_namelen = 0;
        }
        _sendCount++;
        if (!_flushDeferred)
        {
            _flushDeferred = true;
            OwnerLoop.Defer(this);
        }
        return true;
    }

    private static int AlignUp(int size) => (size + 63) & ~63;

    /// <summary>Sends the queued datagrams; those the kernel refuses are dropped and counted.</summary>
    private void Flush()
    {
        LoopStats stats = OwnerLoop.Stats;
        int next = 0;
        while (next < _sendCount)
        {
            int n = Sockets.SendDatagrams(Fd, _sendMessages + next, _sendCount - next);
            stats.datagramSyscalls++;
            if (n > 0)
            {
                for (int i = next; i < next + n; i++) stats.bytesSent += _sendIovecs[i].iov_len;
                stats.datagramsSent += n;
                next += n;
                continue;
            }
            if (Sys.ErrorOf(n) == ErrorCode.WouldBlock)
            {
                // The socket buffer is full: UDP drops, and so do we, rather than queue.
                stats.datagramsDropped += _sendCount - next;
                break;
            }
            // The first datagram failed on its own (an ICMP error on a connected socket, EMSGSIZE):
            // drop it and send the rest.
            stats.datagramErrors++;
            stats.datagramsDropped++;
            next++;
        }
        _sendCount = 0;
        _sendAreaUsed = 0;
    }
}
