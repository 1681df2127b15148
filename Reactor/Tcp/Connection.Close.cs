using System;
using Reactor.Interop;
using Reactor.Platform;

namespace Reactor;

public sealed unsafe partial class Connection
{
    // How long a gracefully closed connection keeps reading (and discarding) after its FIN, waiting
    // for the peer's. nginx's lingering_timeout is 5 s; peers that are still reading answer at once.
    private static readonly TimeSpan LingerTimeout = TimeSpan.FromSeconds(2);

    private static readonly Action<object?> TimerFired = static state => ((Connection)state!).OnTimer();

    private bool _closeDeferred;          // a close was asked for inside a callback: done in the deferred pass
    private bool _closing;                // Close: no more reads or sends, flush, FIN, linger, close
    private bool _writeShut;              // ShutdownWrite or Close: no more sends; FIN once the output is out
    private bool _finSent;                // our FIN is out: shutdown(SHUT_WR) done
    private bool _lingering;              // closing with the FIN out: discarding input until the peer's FIN
    private CloseReason _closeReason;
    private TimerHandle _timer;           // the idle timer, or the linger timer once lingering
    private long _lastActivity;           // loop time of the last byte received or sent

    /// <summary>
    /// Closes gracefully: stops reading, delivers what is queued, sends FIN, and closes with
    /// <see cref="CloseReason.Local"/> once the peer's FIN arrives (input meanwhile is discarded;
    /// at most 2 s: a close never resets away a reply the peer has not read). Further sends return false.
    /// </summary>
    public void Close() => CloseGracefully(CloseReason.Local);

    /// <summary>
    /// Closes gracefully, as <see cref="Close()"/> does, counted as <paramref name="reason"/>: a
    /// protocol answers a malformed request (a 400, a <c>-ERR Protocol error</c>) and closes with
    /// <see cref="CloseReason.ProtocolError"/>, or a timeout of its own with <see cref="CloseReason.Timeout"/>.
    /// </summary>
    public void Close(CloseReason reason) => CloseGracefully(reason);

    /// <summary>Closes at once; queued output is dropped and counted as lost.</summary>
    public void Abort() => Abort(CloseReason.Local);

    /// <summary>Closes at once with <paramref name="reason"/>.</summary>
    public void Abort(CloseReason reason) => RequestClose(reason);

    /// <summary>
    /// Closes at once with an RST instead of a FIN (SO_LINGER with a zero timeout): queued output
    /// is dropped and counted as lost, and the peer's next call fails with ECONNRESET. A proxy
    /// passes on a reset it received this way. Counted as <paramref name="reason"/>.
    /// </summary>
    public void Reset(CloseReason reason)
    {
        if (Fd < 0 || _closeDeferred) return;
        Sockets.ResetOnClose(Fd);
        RequestClose(reason);
    }

    /// <summary>
    /// Ends our sending side: no more sends are accepted, what is queued is delivered, then FIN
    /// (shutdown(2) SHUT_WR) tells the peer the stream has ended, while reading goes on. The
    /// connection closes by itself (<see cref="CloseReason.PeerClosed"/>) once the peer's end of
    /// stream arrives too. Does nothing when sending already ended.
    /// </summary>
    public void ShutdownWrite()
    {
        if (Fd < 0 || _writeShut || _closeDeferred) return;
        _writeShut = true;
        if (_output.IsEmpty) FinishWrite();
    }

    internal override void OnLoopStopping() => Notify(static (handler, connection) => handler.OnShutdown(connection));

    private void StartIdleTimer()
    {
        // A factory that already closed the connection armed the linger timer; it stays in charge.
        if (OwnerLoop.Options.IdleTimeout <= TimeSpan.Zero || !_timer.IsNone) return;
        _lastActivity = OwnerLoop.NowMilliseconds;
        _timer = OwnerLoop.Schedule(OwnerLoop.Options.IdleTimeout, TimerFired, this);
    }

    private void CloseGracefully(CloseReason reason)
    {
        if (Fd < 0 || _closing || _closeDeferred) return;
        _closing = true;
        _writeShut = true;
        _closeReason = reason;
        ReleaseInput();
        if (_output.IsEmpty) FinishWrite();
        else UpdateInterest();
    }

    /// <summary>
    /// Sending has ended and the output is delivered. With the peer's FIN already read both
    /// directions are done: close. Otherwise send our FIN; a graceful close then lingers: closing
    /// a socket that still has unread input makes the kernel send RST, and an RST can destroy
    /// output the peer has not read yet, so read and discard until the peer's FIN arrives (or
    /// <see cref="LingerTimeout"/> passes). After <see cref="ShutdownWrite"/> reading goes on as before.
    /// </summary>
    private void FinishWrite()
    {
        if (_inputEnded)
        {
            RequestClose(_closing ? _closeReason : CloseReason.PeerClosed);
            return;
        }
        if (!_finSent)
        {
            _finSent = true;
            Sockets.ShutdownWrite(Fd);
        }
        if (_closing && !_lingering)
        {
            _lingering = true;
            OwnerLoop.Cancel(_timer);
            _timer = OwnerLoop.Schedule(LingerTimeout, TimerFired, this);
        }
        UpdateInterest();
    }

    private void DiscardInput()
    {
        for (int reads = 0; reads < ReadBudget; reads++)
        {
            nint n = Sockets.Receive(Fd, OwnerLoop.ReceiveBuffer, OwnerLoop.Buffers.ChunkSize);
            if (n > 0) continue;
            if (n == -(int)ErrorCode.WouldBlock) return;
            CloseNow(_closeReason); // EOF or an error: the peer is done with us
            return;
        }
    }

    /// <summary>
    /// The idle timer is not moved on every read (that would put a heap update on the hot path):
    /// reads and writes only stamp <see cref="_lastActivity"/>, and when the timer fires it either
    /// closes the connection or re-arms itself for the time that is left. Once lingering, the
    /// timer is the linger deadline.
    /// </summary>
    private void OnTimer()
    {
        // A close asked for in this iteration is finished by the deferred pass, with its own reason.
        if (Fd < 0 || _closeDeferred) return;
        if (_lingering)
        {
            CloseNow(_closeReason);
            return;
        }
        long due = _lastActivity + (long)OwnerLoop.Options.IdleTimeout.TotalMilliseconds;
        if (due <= OwnerLoop.NowMilliseconds)
        {
            CloseNow(CloseReason.Timeout);
            return;
        }
        _timer = OwnerLoop.Timers.Add(due, TimerFired, this);
    }

    /// <summary>
    /// Closes now, or, when user code is running on the loop, in the deferred pass after it: a
    /// handler never sees another connection's OnClose nested inside its own callback, and never
    /// its own connection closed under it.
    /// </summary>
    private void RequestClose(CloseReason reason)
    {
        if (Fd < 0 || _closeDeferred) return;
        if (OwnerLoop.CallbackDepth > 0)
        {
            _closeDeferred = true;
            _closeReason = reason;
            Defer();
            return;
        }
        CloseNow(reason);
    }

    /// <summary>The one teardown: unregister and close the socket, give back memory and the limit, count, tell the handler.</summary>
    private void CloseNow(CloseReason reason)
    {
        if (Fd < 0) return;
        OwnerLoop.Close(this);
        OwnerLoop.Cancel(_timer);
        _limit?.Release();
        ReleaseInput();
        OwnerLoop.Stats.CountClose(reason);
        OwnerLoop.Stats.bytesLost += _output.Length;
        OwnerLoop.CallbackDepth++;
        try
        {
            _handler.OnClose(this, reason);
        }
        catch (Exception e)
        {
            // The connection is gone either way.
            OwnerLoop.ReportCallbackError(e);
        }
        finally
        {
            OwnerLoop.CallbackDepth--;
        }
        _output.Clear(OwnerLoop.Buffers);
    }
}
