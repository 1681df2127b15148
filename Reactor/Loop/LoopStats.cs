using System;
using System.Threading;

namespace Reactor;

/// <summary>
/// Counters of one loop. The loop thread writes them; any thread may read them (each read is of
/// one 64-bit field, so values are never torn, but a set of them is not a consistent snapshot).
/// </summary>
public sealed class LoopStats
{
    // One counter per CloseReason, HandlerError being the last (a test checks it). Not
    // Enum.GetValues: that reads reflection metadata, 0.3 ms of every server's start-up.
    internal const int CloseReasonCount = (int)CloseReason.HandlerError + 1;

    private readonly long[] _closed = new long[CloseReasonCount];

    internal long accepted;
    internal long rejected;
    internal long connected;
    internal long connectFailures;
    internal long acceptErrors;
    internal long bytesReceived;
    internal long bytesSent;
    internal long bytesLost;
    internal long sendCalls;
    internal long inputBytesCopied;
    internal long postedRun;
    internal long callbackErrors;
    internal long datagramsReceived;
    internal long datagramsSent;
    internal long datagramsTruncated;
    internal long datagramsDropped;
    internal long datagramErrors;
    internal long datagramSyscalls;

    /// <summary>Connections accepted and handed to the handler.</summary>
    public long Accepted => Volatile.Read(ref accepted);

    /// <summary>
    /// Connections accepted and closed at once, never seen by the handler: beyond
    /// <see cref="ReactorOptions.MaxConnections"/>, or shed while the process was out of fds.
    /// </summary>
    public long Rejected => Volatile.Read(ref rejected);

    /// <summary>Outgoing connections established with <see cref="EventLoop.Connect"/>.</summary>
    public long Connected => Volatile.Read(ref connected);

    /// <summary>Outgoing connections that failed (refused, timed out, no route...).</summary>
    public long ConnectFailures => Volatile.Read(ref connectFailures);

    /// <summary>accept(2) failures other than EAGAIN (EMFILE, ENFILE, ENOBUFS...).</summary>
    public long AcceptErrors => Volatile.Read(ref acceptErrors);

    public long BytesReceived => Volatile.Read(ref bytesReceived);
    public long BytesSent => Volatile.Read(ref bytesSent);

    /// <summary>Bytes accepted by <see cref="Connection.Send"/> that were never delivered, summed over closes.</summary>
    public long BytesLost => Volatile.Read(ref bytesLost);

    /// <summary>
    /// send(2) and sendmsg(2) calls made for connections: with output batched per iteration, a
    /// read that answers 16 pipelined requests costs one.
    /// </summary>
    public long SendCalls => Volatile.Read(ref sendCalls);

    /// <summary>
    /// Received bytes the loop copied to keep them for a later <see cref="IConnectionHandler.OnData"/>:
    /// input a handler left unconsumed, moved out of the receive buffer or into a bigger block.
    /// Input a handler consumes where it was read is never copied. Compare with <see cref="BytesReceived"/>.
    /// </summary>
    public long InputBytesCopied => Volatile.Read(ref inputBytesCopied);

    /// <summary>Work items run from <see cref="EventLoop.Post"/>.</summary>
    public long PostedRun => Volatile.Read(ref postedRun);

    /// <summary>
    /// Exceptions thrown by user code on the loop (handler callbacks, timers, posted work, connect
    /// callbacks), each contained: the loop went on. See <see cref="ReactorOptions.CallbackError"/>.
    /// </summary>
    public long CallbackErrors => Volatile.Read(ref callbackErrors);

    /// <summary>UDP datagrams received and handed to a handler.</summary>
    public long DatagramsReceived => Volatile.Read(ref datagramsReceived);

    /// <summary>UDP datagrams the kernel took.</summary>
    public long DatagramsSent => Volatile.Read(ref datagramsSent);

    /// <summary>UDP datagrams larger than <see cref="ReactorOptions.MaxDatagramBytes"/>: the kernel cut them (MSG_TRUNC), so they were dropped, never handed over.</summary>
    public long DatagramsTruncated => Volatile.Read(ref datagramsTruncated);

    /// <summary>UDP datagrams to send that were dropped: the socket buffer was full, the datagram too large, the socket closed, or the send failed.</summary>
    public long DatagramsDropped => Volatile.Read(ref datagramsDropped);

    /// <summary>Errors on UDP sockets that did not close them, such as ICMP port unreachable (ECONNREFUSED) on a connected socket.</summary>
    public long DatagramErrors => Volatile.Read(ref datagramErrors);

    /// <summary>recvmmsg(2) and sendmmsg(2) calls: with batching, far fewer than datagrams.</summary>
    public long DatagramSyscalls => Volatile.Read(ref datagramSyscalls);

    /// <summary>Connections closed for <paramref name="reason"/>.</summary>
    public long Closed(CloseReason reason) => Volatile.Read(ref _closed[(int)reason]);

    /// <summary>Connections open now: accepted or connected, and not yet closed.</summary>
    public long Open
    {
        get
        {
            long closed = 0;
            for (int i = 0; i < _closed.Length; i++) closed += Volatile.Read(ref _closed[i]);
            return Accepted + Connected - closed;
        }
    }

    internal void CountClose(CloseReason reason) => _closed[(int)reason]++;
}
