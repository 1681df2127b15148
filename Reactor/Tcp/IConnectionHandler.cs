using System;

namespace Reactor;

/// <summary>
/// What a server does with its connections. Every callback runs on the loop thread that owns the
/// connection and must not block: it runs inline on the loop. A callback never runs nested inside
/// another connection's callback (closes, drains and re-deliveries it causes elsewhere run after it
/// returns), except the outcome of <see cref="EventLoop.Connect"/>, which may come before Connect
/// returns. An exception a callback throws closes its connection with
/// <see cref="CloseReason.HandlerError"/> and is counted; the loop goes on.
/// </summary>
/// <remarks>
/// One instance may serve every connection (<see cref="LoopGroup.Serve(IConnectionHandler)"/>;
/// it must then be safe for concurrent loops), or each connection gets its own from a factory
/// (<see cref="LoopGroup.Serve(Func{Connection, IConnectionHandler})"/>), where protocol state
/// lives in plain fields.
/// </remarks>
public interface IConnectionHandler
{
    /// <summary>A connection was accepted (or an outgoing one established).</summary>
    void OnOpen(Connection connection);

    /// <summary>
    /// Bytes arrived. <paramref name="data"/> starts with whatever the previous call left
    /// unconsumed, is valid only during this call, and may be modified in place. Returns how many
    /// bytes were consumed; the rest is kept and presented again, first, with the next data (a
    /// handler consumes every complete message it finds). At most
    /// <see cref="Connection.MaxInputBytes"/> bytes are kept: a handler that consumes nothing of
    /// that much while reading goes on (it did not pause) gets the connection closed with
    /// <see cref="CloseReason.ProtocolError"/>, so a protocol with a limit of its own answers it
    /// first (a 431, an error frame). After reading resumes (<see cref="Connection.ResumeReading"/>,
    /// or output drained below its low-water mark) kept input is handed over again with no new byte.
    /// <see cref="Connection.NeedInput"/> defers the next call until a whole message is there.
    /// </summary>
    int OnData(Connection connection, Span<byte> data);

    /// <summary>
    /// The peer shut down its sending side (end of stream): no more data will arrive, and input it
    /// left unconsumed is dropped. The default, <see cref="Connection.ShutdownWrite"/>, delivers
    /// what is queued and then closes (<see cref="CloseReason.PeerClosed"/>). A handler that
    /// overrides it may keep sending (a proxy forwards the other side's reply) and ends with
    /// <see cref="Connection.ShutdownWrite"/> or <see cref="Connection.Close()"/>; until then the
    /// connection stays open (the idle timeout still applies).
    /// </summary>
    void OnPeerShutdown(Connection connection) => connection.ShutdownWrite();

    /// <summary>
    /// Output queued beyond <see cref="ReactorOptions.MaxPendingBytes"/> drained to half of it:
    /// <see cref="Connection.IsWritable"/> turned true again. A proxy resumes reading the other
    /// side here. Does nothing by default.
    /// </summary>
    void OnDrained(Connection connection) { }

    /// <summary>
    /// The loop is stopping (<see cref="LoopGroup.Stop"/>, SIGTERM in <c>reactor</c>): the
    /// connection should end soon. The loop keeps running it until it closes or
    /// <see cref="ReactorOptions.ShutdownTimeout"/> passes, then aborts it. The default closes
    /// gracefully with <see cref="CloseReason.Shutdown"/> (queued output is delivered first); a
    /// protocol that still owes a reply may finish it and close after.
    /// </summary>
    void OnShutdown(Connection connection) => connection.Close(CloseReason.Shutdown);

    /// <summary>
    /// The connection closed. <see cref="Connection.PendingBytes"/> tells how many bytes accepted
    /// for sending were never delivered (0 unless the close was abrupt).
    /// </summary>
    void OnClose(Connection connection, CloseReason reason);
}
