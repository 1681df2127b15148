using System;
using Reactor.Backends;
using Reactor.Buffers;
using Reactor.Interop;
using Reactor.Loop;

namespace Reactor;

/// <summary>
/// One TCP connection owned by one loop. Every member must be used on that loop's thread
/// (from a handler callback, or from work posted with <see cref="EventLoop.Post"/>).
/// Holds no buffer while idle: a pool chunk is lent only for unconsumed input or unsent output.
/// </summary>
public sealed unsafe partial class Connection : Registration
{
    private readonly EventLoop _loop;
    private readonly IConnectionHandler _handler;
    private readonly ConnectionLimit? _limit;   // released at close; null when unlimited
    private int _fd;
    private Interest _interest;
    private bool _inCallback;

    internal Connection(EventLoop loop, int fd, IConnectionHandler handler, ConnectionLimit? limit)
    {
        _loop = loop;
        _fd = fd;
        _handler = handler;
        _limit = limit;
    }

    /// <summary>The loop that owns this connection.</summary>
    public EventLoop Loop => _loop;

    /// <summary>Whatever the handler wants to keep with this connection.</summary>
    public object? UserState { get; set; }

    /// <summary>The socket, or -1 once closed.</summary>
    public int FileDescriptor => _fd;

    /// <summary>True until the connection is closed or a graceful close was asked for.</summary>
    public bool IsOpen => _fd >= 0 && !_closeWhenFlushed && !_closeDeferred;

    /// <summary>
    /// Bytes accepted by <see cref="Send"/> that the kernel has not taken yet. During
    /// <see cref="IConnectionHandler.OnClose"/> this is the number of bytes lost.
    /// </summary>
    public long PendingBytes => _output.Length;

    /// <summary>
    /// Registers the accepted or connected socket with the loop and tells the handler. Returns
    /// false (socket closed) when the poller refused it.
    /// </summary>
    internal bool Open()
    {
        Token = _loop.Slots.Add(this);
        _interest = Interest.Read;
        int rc = _loop.Poller.Add(_fd, Token, _interest);
        if (rc < 0)
        {
            _loop.Slots.Remove(Token);
            Sys.Close(_fd);
            _fd = -1;
            _limit?.Release();
            return false;
        }
        StartIdleTimer();
        _inCallback = true;
        try
        {
            _handler.OnOpen(this);
        }
        catch (Exception)
        {
            RequestClose(CloseReason.HandlerError);
        }
        finally
        {
            _inCallback = false;
        }
        if (_closeDeferred) CloseNow(_closeReason);
        return true;
    }

    internal override void OnReady(Readiness readiness)
    {
        if ((readiness & (Readiness.Readable | Readiness.Hangup | Readiness.Error)) != 0)
        {
            if (_lingering)
            {
                DiscardInput();
                return;
            }
            if ((_interest & Interest.Read) != 0)
            {
                Receive();
            }
            else if ((readiness & (Readiness.Hangup | Readiness.Error)) != 0)
            {
                // Not reading (paused or half-closed): the send path surfaces the socket error.
                Flush();
            }
            if (_fd < 0) return;
        }
        if ((readiness & Readiness.Writable) != 0 && !_output.IsEmpty) Flush();
    }

    /// <summary>Registers for what the connection needs now: read unless paused or half-closed, write while output is queued.</summary>
    private void UpdateInterest()
    {
        if (_fd < 0) return;
        Interest want = _lingering || !(_readPaused || _closeWhenFlushed) ? Interest.Read : Interest.None;
        if (!_output.IsEmpty) want |= Interest.Write;
        if (want == _interest) return;
        _interest = want;
        int rc = _loop.Poller.Modify(_fd, Token, want);
        if (rc < 0) RequestClose(CloseReason.Error);
    }

    private static CloseReason ReasonFor(nint negativeErrno) =>
        negativeErrno == -Errno.ECONNRESET || negativeErrno == -Errno.EPIPE ? CloseReason.Reset : CloseReason.Error;
}
