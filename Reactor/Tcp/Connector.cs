using System;
using System.Net;
using Reactor.Backends;
using Reactor.Interop;
using Reactor.Loop;
using Reactor.Platform;

namespace Reactor;

/// <summary>
/// An outgoing connect in progress: a nonblocking socket registered for writability. When it
/// becomes writable SO_ERROR tells the outcome; on success the socket becomes a
/// <see cref="Connection"/> of the same loop, on failure (or at the deadline) the caller's
/// failure callback gets the error.
/// </summary>
internal sealed class Connector : Registration
{
    private static readonly Action<object?> TimedOut = static state => ((Connector)state!).Fail(ErrorCode.TimedOut);

    private readonly IConnectionHandler _handler;
    private readonly Action<ErrorCode> _onFailed;
    private TimerHandle _timer;

    private Connector(EventLoop loop, int fd, IConnectionHandler handler, Action<ErrorCode> onFailed) : base(loop, fd)
    {
        _handler = handler;
        _onFailed = onFailed;
    }

    /// <summary>Starts connecting; every outcome, even an immediate one, reaches the handler or <paramref name="onFailed"/>.</summary>
    public static void Start(EventLoop loop, IPEndPoint remote, IPAddress? source, TimeSpan timeout, IConnectionHandler handler, Action<ErrorCode> onFailed)
    {
        int fd = Sockets.TryCreateStream(remote.Address);
        var connector = new Connector(loop, fd, handler, onFailed);
        if (fd < 0)
        {
            connector.Report(Sys.ErrorOf(fd));
            return;
        }
        // Before connect(2): the receive buffer decides the window scale offered in the SYN.
        int rc = Sockets.TryApplyStreamOptions(fd, loop.Options, inherited: false, out _);
        if (rc < 0)
        {
            connector.Fail(Sys.ErrorOf(rc));
            return;
        }
        rc = Sockets.StartConnect(fd, remote, source);
        if (rc == 0) connector.Succeed();
        else if (rc != -(int)ErrorCode.InProgress) connector.Fail(Sys.ErrorOf(rc));
        else connector.Wait(timeout);
    }

    private void Wait(TimeSpan timeout)
    {
        int rc = OwnerLoop.Register(this, Interest.Write);
        if (rc < 0)
        {
            Fail(Sys.ErrorOf(rc));
            return;
        }
        if (timeout > TimeSpan.Zero) _timer = OwnerLoop.Schedule(timeout, TimedOut, this);
    }

    internal override void OnReady(in ReadyEvent ready)
    {
        ErrorCode error = Sockets.PendingError(Fd);
        Unregister();
        if (error == ErrorCode.None) Succeed();
        else Fail(error);
    }

    internal override void OnLoopStopping() => Fail(ErrorCode.Canceled);

    private void Unregister()
    {
        OwnerLoop.Cancel(_timer);
        OwnerLoop.Unregister(this);
    }

    /// <summary>Hands the connected socket to a new <see cref="Connection"/>.</summary>
    private void Succeed()
    {
        int fd = Fd;
        Fd = -1;
        ErrorCode error = new Connection(OwnerLoop, fd, null).Open(_handler);
        if (error == ErrorCode.None) OwnerLoop.Stats.connected++;
        else Report(error);
    }

    private void Fail(ErrorCode error)
    {
        Unregister();
        if (Fd < 0) return;
        Sys.Close(Fd);
        Fd = -1;
        Report(error);
    }

    private void Report(ErrorCode error)
    {
        OwnerLoop.Stats.connectFailures++;
        OwnerLoop.CallbackDepth++;
        try
        {
            _onFailed(error);
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
}
