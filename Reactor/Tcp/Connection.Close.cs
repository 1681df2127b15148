using System;
using Reactor.Interop;

namespace Reactor;

public sealed unsafe partial class Connection
{
    // How long a gracefully closed connection keeps reading (and discarding) after its FIN, waiting
    // for the peer's. nginx's lingering_timeout is 5 s; peers that are still reading answer at once.
    private static readonly TimeSpan LingerTimeout = TimeSpan.FromSeconds(2);

    private static readonly Action<object?> TimerFired = static state => ((Connection)state!).OnTimer();

    private bool _closeDeferred;          // a close was asked for inside a callback
    private bool _closeWhenFlushed;       // graceful close: no more reads or sends, flush, then close
    private bool _lingering;              // FIN sent; discarding input until the peer's FIN
    private CloseReason _closeReason;
    private TimerHandle _timer;           // the idle timer, or the linger timer once lingering
    private long _lastActivity;           // loop time of the last byte received or delivered

    /// <summary>
    /// Closes gracefully: stops reading, delivers what is queued, then closes with
    /// <see cref="CloseReason.Local"/>. Further sends return false.
    /// </summary>
    public void Close() => CloseAfterFlush(CloseReason.Local);

    /// <summary>Closes at once; queued output is dropped and counted as lost.</summary>
    public void Abort() => Abort(CloseReason.Local);

    /// <summary>Closes at once with <paramref name="reason"/>.</summary>
    public void Abort(CloseReason reason) => RequestClose(reason);

    internal override void OnLoopStopping() => CloseAfterFlush(CloseReason.Shutdown);

    private void StartIdleTimer()
    {
        if (_loop.Options.IdleTimeout <= TimeSpan.Zero) return;
        _lastActivity = _loop.NowMilliseconds;
        _timer = _loop.Schedule(_loop.Options.IdleTimeout, TimerFired, this);
    }

    private void CloseAfterFlush(CloseReason reason)
    {
        if (_fd < 0 || _closeWhenFlushed) return;
        _closeWhenFlushed = true;
        _closeReason = reason;
        ReleaseInput();
        if (_output.IsEmpty) FinishGracefulClose();
        else UpdateInterest();
    }

    /// <summary>
    /// Ends a graceful close once the output is flushed. Closing a socket that still has unread
    /// input makes the kernel send RST, and an RST can destroy output the peer has not read yet;
    /// so unless the peer already sent EOF, send our FIN behind the data and read and discard
    /// until the peer's FIN arrives (or <see cref="LingerTimeout"/> passes), then close.
    /// </summary>
    private void FinishGracefulClose()
    {
        if (_closeReason == CloseReason.PeerClosed)
        {
            RequestClose(_closeReason);
            return;
        }
        if (_lingering) return;
        _lingering = true;
        Libc.shutdown(_fd, Libc.SHUT_WR);
        _loop.Cancel(_timer);
        _timer = _loop.Schedule(LingerTimeout, TimerFired, this);
        UpdateInterest();
    }

    private void DiscardInput()
    {
        for (int reads = 0; reads < ReadBudget; reads++)
        {
            nint n = Sys.Check(Libc.recv(_fd, _loop.ReceiveBuffer, _loop.Buffers.ChunkSize, 0));
            if (n > 0) continue;
            if (n == -Errno.EAGAIN || n == -Errno.EINTR) return;
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
        if (_fd < 0) return;
        if (_lingering)
        {
            CloseNow(_closeReason);
            return;
        }
        long due = _lastActivity + (long)_loop.Options.IdleTimeout.TotalMilliseconds;
        if (due <= _loop.NowMilliseconds)
        {
            CloseNow(CloseReason.Timeout);
            return;
        }
        _timer = _loop.Timers.Add(due, TimerFired, this);
    }

    /// <summary>Closes now, or right after the running callback returns.</summary>
    private void RequestClose(CloseReason reason)
    {
        if (_fd < 0) return;
        if (_inCallback)
        {
            if (!_closeDeferred) _closeReason = reason;
            _closeDeferred = true;
            return;
        }
        CloseNow(reason);
    }

    private void CloseNow(CloseReason reason)
    {
        if (_fd < 0) return;
        _loop.Poller.Remove(_fd);
        Sys.Close(_fd);
        _fd = -1;
        _loop.Slots.Remove(Token);
        _loop.Cancel(_timer);
        _limit?.Release();
        ReleaseInput();
        _loop.Stats.CountClose(reason);
        _loop.Stats.bytesLost += _output.Length;
        try
        {
            _handler.OnClose(this, reason);
        }
        catch (Exception)
        {
            // The connection is gone either way; a throwing OnClose must not take the loop with it.
        }
        _output.Clear(_loop.Buffers);
    }
}
