using System;
using System.Diagnostics;

namespace Reactor.LoadGen;

/// <summary>
/// One load connection: keeps <see cref="EchoLoadOptions.Pipeline"/> messages in flight, and for
/// every message whose echo completes sends a new one, all of a read's worth in one send (so a
/// pipelined connection writes batches, as real pipelining clients do). Every echoed byte is
/// compared with what was sent; latency is measured from the send of a message to the read
/// that completed its echo.
/// </summary>
internal sealed class EchoClientConnection(LoadShare share, int id) : IConnectionHandler
{
    private readonly int _seed = EchoPattern.SeedOf(id);
    private readonly long[] _sentAt = new long[share.Options.Pipeline];   // ring: send time of each message in flight
    private int _oldest;
    private long _sent;        // bytes sent
    private long _received;    // bytes echoed and checked

    public void OnOpen(Connection connection)
    {
        share.Connected(connection);
        SendMessages(connection, share.Options.Pipeline, Stopwatch.GetTimestamp());
    }

    public int OnData(Connection connection, Span<byte> data)
    {
        long now = Stopwatch.GetTimestamp();
        if (data.Length > _sent - _received)
        {
            // More came back than was sent: a broken peer. Count it and stop trusting the stream.
            share.Mismatches += data.Length;
            connection.Abort(CloseReason.ProtocolError);
            return data.Length;
        }
        share.Mismatches += EchoPattern.CountMismatches(data, _received, _seed);
        int size = share.Options.MessageSize;
        long before = _received / size;
        _received += data.Length;
        int completed = (int)(_received / size - before);
        int pipeline = _sentAt.Length;
        for (int i = 0; i < completed; i++)
        {
            share.Complete(now, now - _sentAt[_oldest], size);
            _oldest = _oldest + 1 == pipeline ? 0 : _oldest + 1;
        }
        if (completed > 0) SendMessages(connection, completed, now);
        return data.Length;
    }

    public void OnClose(Connection connection, CloseReason reason)
    {
        share.Open--;
        if (reason != CloseReason.Shutdown) share.Errors++;
    }

    /// <summary>Sends <paramref name="count"/> messages with one send (in 64 KiB slices beyond that).</summary>
    private void SendMessages(Connection connection, int count, long now)
    {
        // The ring slots of the new messages: the `count` after the ones still in flight.
        int pipeline = _sentAt.Length;
        int size = share.Options.MessageSize;
        int inFlight = (int)(_sent / size - _received / size);
        for (int i = 0; i < count; i++) _sentAt[(_oldest + inFlight + i) % pipeline] = now;
        long remaining = (long)count * size;
        while (remaining > 0)
        {
            int n = (int)Math.Min(remaining, EchoPattern.MaxSlice);
            if (!connection.Send(EchoPattern.At(_sent, _seed, n))) return; // closing: OnClose counts it
            _sent += n;
            remaining -= n;
        }
    }
}
