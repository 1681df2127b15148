namespace Reactor;

/// <summary>Why a connection closed. Counted per loop in <see cref="LoopStats"/>.</summary>
public enum CloseReason
{
    /// <summary>The handler called <see cref="Connection.Close()"/> or <see cref="Connection.Abort()"/>.</summary>
    Local,
    /// <summary>The peer closed its side (EOF) and all queued output was delivered.</summary>
    PeerClosed,
    /// <summary>The peer reset the connection (ECONNRESET, EPIPE).</summary>
    Reset,
    /// <summary>Another socket error.</summary>
    Error,
    /// <summary>A timeout fired.</summary>
    Timeout,
    /// <summary>The peer broke the protocol, e.g. a message larger than the handler accepts.</summary>
    ProtocolError,
    /// <summary>The loop was stopping.</summary>
    Shutdown,
    /// <summary>A limit was reached, e.g. the connection limit.</summary>
    Limit,
    /// <summary>The loop's buffer pool was at its limit when the connection needed a chunk.</summary>
    OutOfBuffers,
    /// <summary>The handler threw an exception.</summary>
    HandlerError,
}
