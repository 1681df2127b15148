using System;
using System.Diagnostics;
using System.Net;

namespace Reactor.LoadGen;

/// <summary>
/// One loop's part of an <see cref="EchoLoad"/>: connections i ≡ loop (mod loops). Counters are
/// written on the loop thread only; the progress line reads them racily, which is fine for longs.
/// </summary>
internal sealed class LoadShare
{
    // Connects in flight per loop: a burst of 10,000 SYNs would overflow the server's backlog
    // and stall in SYN retransmits for seconds.
    private const int ConnectWindow = 256;

    private readonly EchoLoad _load;
    private readonly Action<ErrorCode> _onConnectFailed;
    private readonly IPAddress[] _sources;
    private int _nextConnection;
    private int _connecting;
    private bool _starting;

    public readonly EventLoop Loop;
    public readonly LatencyHistogram Latency = new();
    public long Completed, Open, Errors, Mismatches, ConnectFailures;
    public long Bytes;
    public long OpenAtEnd, ErrorsAtEnd, MismatchesAtEnd, FailuresAtEnd;
    public ErrorCode FirstConnectError;

    public LoadShare(EchoLoad load, EventLoop loop, int index)
    {
        _load = load;
        Loop = loop;
        _nextConnection = index;
        _onConnectFailed = ConnectFailed;
        int count = load.Options.SourceAddresses;
        _sources = new IPAddress[count > 1 ? count : 0];
        for (int i = 0; i < _sources.Length; i++) _sources[i] = new IPAddress(new byte[] { 127, 0, 0, (byte)(1 + i) });
    }

    public EchoLoadOptions Options => _load.Options;
    public long MeasureFrom => _load.MeasureFrom;
    public long MeasureUntil => _load.MeasureUntil;

    public void StartConnecting()
    {
        // A connect that succeeds or fails at once calls back in here; the loop below, further up
        // the stack, picks up from there, so thousands of instant failures cannot nest.
        if (_starting) return;
        _starting = true;
        while (_connecting < ConnectWindow && _nextConnection < Options.Connections) ConnectNext();
        _starting = false;
    }

    private void ConnectNext()
    {
        int id = _nextConnection;
        _nextConnection += Options.Threads;
        _connecting++;
        IPAddress? source = _sources.Length > 0 ? _sources[id % _sources.Length] : null;
        Loop.Connect(Options.Server, new EchoClientConnection(this, id), _onConnectFailed, source, Options.ConnectTimeout);
    }

    /// <summary>A connect succeeded: start the next one.</summary>
    public void Connected(Connection connection)
    {
        _connecting--;
        Open++;
        _load.Opened(connection);
        StartConnecting();
    }

    private void ConnectFailed(ErrorCode error)
    {
        _connecting--;
        if (error == ErrorCode.Canceled) return; // the run ended first
        ConnectFailures++;
        if (FirstConnectError == ErrorCode.None) FirstConnectError = error;
        StartConnecting();
    }

    /// <summary>Counts one echoed message that completed at <paramref name="now"/> after <paramref name="latencyTicks"/>.</summary>
    public void Complete(long now, long latencyTicks, int size)
    {
        Completed++;
        if (now < MeasureFrom || now >= MeasureUntil) return;
        Latency.Record(latencyTicks * 1_000_000 / Stopwatch.Frequency);
        Bytes += size;
    }

    public void Snapshot()
    {
        OpenAtEnd = Open;
        ErrorsAtEnd = Errors;
        MismatchesAtEnd = Mismatches;
        FailuresAtEnd = ConnectFailures;
    }
}
