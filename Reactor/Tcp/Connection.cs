using System;
using Reactor.Backends;
using Reactor.Loop;
using Reactor.Platform;

namespace Reactor;

/// <summary>
/// One TCP connection owned by one loop. Every member must be used on that loop's thread
/// (from a handler callback, a timer, or work posted with <see cref="EventLoop.Post"/>).
/// Holds no buffer while idle: pool memory is lent only for unconsumed input or unsent output.
/// </summary>
/// <remarks>
/// The verbs a protocol composes (as libuv's uv_read_stop/uv_shutdown or Netty's autoRead and
/// writability): reading is paused by the handler (<see cref="PauseReading"/>) and, by default,
/// while the connection's own output is above its high-water mark; output is sent now
/// (<see cref="Send"/>) or batched until the end of the loop iteration (<see cref="Write"/>,
/// <see cref="GetSpan"/>); each direction ends on its own (<see cref="ShutdownWrite"/>,
/// <see cref="IConnectionHandler.OnPeerShutdown"/>) or both at once (<see cref="Close()"/>, <see cref="Abort()"/>).
/// </remarks>
public sealed unsafe partial class Connection : Registration
{
    private readonly ConnectionLimit? _limit;   // released at close; null when unlimited
    private IConnectionHandler _handler = null!;
    private bool _deferred;                     // queued for the loop's deferred pass

    internal Connection(EventLoop loop, int fd, ConnectionLimit? limit) : base(loop, fd)
    {
        _limit = limit;
        _maxInput = loop.Options.BufferSize;
    }

    /// <summary>The loop that owns this connection.</summary>
    public EventLoop Loop => OwnerLoop;

    /// <summary>The socket, or -1 once closed.</summary>
    public int FileDescriptor => Fd;

    /// <summary>
    /// The peer's address: getpeername(2), read on first use, or the client address a PROXY
    /// protocol header named (a listener with PROXY protocol accepting on).
    /// Null when the kernel no longer knows it (the peer reset before it was asked).
    /// </summary>
    public System.Net.IPEndPoint? RemoteEndPoint
    {
        get => field ??= Fd >= 0 ? Sockets.TryRemoteEndPoint(Fd) : null;
        internal set;
    }

    /// <summary>
    /// Our address on this connection: getsockname(2), read on first use, or the destination a
    /// PROXY protocol header named. Null when the socket is closed.
    /// </summary>
    public System.Net.IPEndPoint? LocalEndPoint
    {
        get => field ??= Fd >= 0 ? Sockets.TryLocalEndPoint(Fd) : null;
        internal set;
    }

    /// <summary>
    /// The socket options in effect on this connection, read from the kernel now (several
    /// getsockopt(2) calls): an accepted connection's are its listener's, an outgoing one's those
    /// its loop's <see cref="ReactorOptions"/> set before connecting. Null once closed.
    /// </summary>
    public SocketSettings? ReadSocketSettings() => Fd >= 0 ? Sockets.ReadSettings(Fd, stream: true) : null;

    /// <summary>
    /// True until the connection is closed or <see cref="Close()"/> or <see cref="Abort()"/> was
    /// called. A half-closed connection (<see cref="ShutdownWrite"/>, or the peer's end of stream)
    /// is still open.
    /// </summary>
    public bool IsOpen => Fd >= 0 && !_closing && !_closeDeferred;

    /// <summary>
    /// Bytes accepted for sending that the kernel has not taken yet. During
    /// <see cref="IConnectionHandler.OnClose"/> this is the number of bytes lost.
    /// </summary>
    public long PendingBytes => _output.Length;

    /// <summary>
    /// Registers the accepted or connected socket with the loop and tells <paramref name="handler"/>.
    /// Returns <see cref="ErrorCode.None"/>, or the poller's error with the socket closed.
    /// </summary>
    internal ErrorCode Open(IConnectionHandler handler)
    {
        _handler = handler;
        int rc = OwnerLoop.Register(this, WantedInterest);
        if (rc < 0)
        {
            Discard();
            return Interop.Sys.ErrorOf(rc);
        }
        StartIdleTimer();
        Notify(static (handler, connection) => handler.OnOpen(connection));
        // Opened inside another callback (a connect that succeeded at once): the close waits for the deferred pass.
        if (_closeDeferred && OwnerLoop.CallbackDepth == 0) CloseNow(_closeReason);
        return ErrorCode.None;
    }

    /// <summary>
    /// Abandons a connection that never opened (its handler factory threw, or the poller refused
    /// it): whatever the factory already did to it (queued output, a timer, a deferred close) is
    /// undone, the socket is closed, and no callback runs.
    /// </summary>
    internal void Discard()
    {
        OwnerLoop.Cancel(_timer);
        _output.Clear(OwnerLoop.Buffers);
        ReleaseInput();
        Interop.Sys.Close(Fd);
        Fd = -1;
        _limit?.Release();
    }

    // With part of a message buffered, reads go straight into the connection's block (no copy
    // out of a ring buffer, and no read-ahead beyond what the block holds).
    internal override ReadKind ReadKind => _input == null ? ReadKind.Stream : ReadKind.Readiness;

    internal override void OnReady(in ReadyEvent ready)
    {
        // Closed from inside a callback earlier in this batch: the deferred pass finishes it.
        if (_closeDeferred) return;
        Readiness readiness = ready.Readiness;
        if ((readiness & Readiness.Received) != 0)
        {
            OnReceived(ready.Data, ready.Result);
            return;
        }
        if (_lingering)
        {
            DiscardInput();
            return;
        }
        if ((readiness & (Readiness.Readable | Readiness.Hangup | Readiness.Error)) != 0)
        {
            if ((Interest & Interest.Read) != 0)
            {
                Receive();
            }
            else if (_outputBlocked)
            {
                // Not reading (paused or half-closed): the send path surfaces the socket error.
                Flush();
            }
            if (Fd < 0 || _closeDeferred) return;
        }
        if ((readiness & Readiness.Writable) != 0 && _outputBlocked) Flush();
    }

    /// <summary>
    /// The connection's part of the loop's deferred pass: a close asked for inside a callback,
    /// output batched during the iteration, <see cref="IConnectionHandler.OnDrained"/>, and input
    /// held while reading was paused.
    /// </summary>
    internal override void RunDeferred()
    {
        _deferred = false;
        if (Fd < 0) return;
        if (_closeDeferred)
        {
            CloseNow(_closeReason);
            return;
        }
        if (_flushScheduled)
        {
            Flush();
            if (Fd < 0) return;
        }
        if (_drainedPending)
        {
            _drainedPending = false;
            // Only while it can still send: OnDrained promises IsWritable.
            if (IsWritable) Notify(static (handler, connection) => handler.OnDrained(connection));
            if (_closeDeferred)
            {
                CloseNow(_closeReason);
                return;
            }
        }
        if (_redeliver)
        {
            _redeliver = false;
            if (WantsInput && _inputLength > 0) Deliver(_input + _inputStart, _inputLength, fromInput: true);
        }
    }

    /// <summary>Queues the connection for the deferred pass of this iteration (once).</summary>
    private void Defer()
    {
        if (_deferred) return;
        _deferred = true;
        OwnerLoop.Defer(this);
    }

    /// <summary>
    /// Arms the poller for what the connection needs now: read unless paused, closing or at end of
    /// stream (or while lingering, to see the peer's FIN); write while the kernel refused output.
    /// </summary>
    private void UpdateInterest()
    {
        // Before Open (the handler factory may already pause or configure the connection) Open registers what is wanted then.
        if (Fd < 0 || !IsRegistered) return;
        if (OwnerLoop.SetInterest(this, WantedInterest) < 0) RequestClose(CloseReason.Error);
    }

    private Interest WantedInterest =>
        (_lingering || WantsInput ? Interest.Read : Interest.None) | (_outputBlocked ? Interest.Write : Interest.None);

    private bool WantsInput => !_inputEnded && !_closing && !_readPaused && !(_unwritable && PauseReadingWhileUnwritable);

    /// <summary>
    /// Runs one of the handler's notifications (OnOpen, OnPeerShutdown, OnDrained) as user code:
    /// closes asked for meanwhile are deferred, and an exception closes the connection.
    /// </summary>
    private void Notify(Action<IConnectionHandler, Connection> notification)
    {
        OwnerLoop.CallbackDepth++;
        try
        {
            notification(_handler, this);
        }
        catch (Exception e)
        {
            HandlerFailed(e);
        }
        finally
        {
            OwnerLoop.CallbackDepth--;
        }
    }

    /// <summary>A handler callback threw: count it, report it, close the connection.</summary>
    private void HandlerFailed(Exception e)
    {
        OwnerLoop.ReportCallbackError(e);
        RequestClose(CloseReason.HandlerError);
    }

    private static CloseReason ReasonFor(ErrorCode error) =>
        error is ErrorCode.ConnectionReset or ErrorCode.BrokenPipe ? CloseReason.Reset : CloseReason.Error;
}
