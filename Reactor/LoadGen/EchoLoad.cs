using System;
using System.Diagnostics;
using System.Net;
using System.Threading;

namespace Reactor.LoadGen;

/// <summary>What an echo load run does; see <c>reactor bench echo --help</c>.</summary>
public sealed record EchoLoadOptions
{
    public required IPEndPoint Server { get; init; }
    public int Connections { get; init; } = 100;
    public int MessageSize { get; init; } = 64;
    public int Pipeline { get; init; } = 1;
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Spread connections over 127.0.0.1 .. 127.0.0.N (IPv4 only); 1: let the kernel pick.</summary>
    public int SourceAddresses { get; init; } = 1;
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>SO_RCVBUF and SO_SNDBUF of each connection (see <see cref="ReactorOptions.ReceiveBufferSize"/>); 0: the kernel's default.</summary>
    public int ReceiveBufferSize { get; init; }
    public int SendBufferSize { get; init; }

    /// <summary>TCP_NODELAY on each connection. Defaults to true.</summary>
    public bool NoDelay { get; init; } = true;
}

/// <summary>The measured window of a run, summed over loops.</summary>
public sealed record EchoLoadResult(
    long Open, double Seconds, long Messages, long Bytes,
    LatencyHistogram Latency, long Mismatches, long Errors, long ConnectFailures)
{
    public double MessagesPerSecond => Seconds > 0 ? Messages / Seconds : 0;
    public double MegabytesPerSecond => Seconds > 0 ? Bytes / Seconds / 1e6 : 0;
}

/// <summary>
/// An echo load generator on Reactor's own client side: <see cref="EchoLoadOptions.Connections"/>
/// nonblocking connects spread over the loops, each connection keeping
/// <see cref="EchoLoadOptions.Pipeline"/> messages in flight and checking every echoed byte.
/// Messages completed during warm-up are not counted; the window opens when warm-up ends.
/// </summary>
public sealed class EchoLoad : IDisposable
{
    private readonly EchoLoadOptions _options;
    private readonly LoopGroup _group;
    private readonly LoadShare[] _shares;

    public EchoLoad(EchoLoadOptions options)
    {
        _options = options;
        _group = new LoopGroup(new ReactorOptions
        {
            LoopCount = options.Threads,
            // A pipelined batch is queued whole when the socket is full; never pause reading for it.
            MaxPendingBytes = (int)Math.Min(int.MaxValue, Math.Max(1L << 20, 2L * options.MessageSize * options.Pipeline)),
            ShutdownTimeout = TimeSpan.FromSeconds(2),
            ReceiveBufferSize = options.ReceiveBufferSize,
            SendBufferSize = options.SendBufferSize,
            NoDelay = options.NoDelay,
        });
        _shares = new LoadShare[options.Threads];
        for (int i = 0; i < _shares.Length; i++) _shares[i] = new LoadShare(this, _group.Loops[i], i);
    }

    internal EchoLoadOptions Options => _options;

    /// <summary>Stopwatch ticks at which the measured window opens and closes.</summary>
    internal long MeasureFrom { get; private set; }
    internal long MeasureUntil { get; private set; }

    /// <summary>Messages echoed so far, warm-up included (for a progress line). Any thread.</summary>
    public long MessagesSoFar => Sum(static s => Volatile.Read(ref s.Completed));

    /// <summary>Connections open now. Any thread.</summary>
    public long OpenSoFar => Sum(static s => Volatile.Read(ref s.Open));

    /// <summary>Errors, mismatched bytes and failed connects so far. Any thread.</summary>
    public long ProblemsSoFar => Sum(static s => Volatile.Read(ref s.Errors) + Volatile.Read(ref s.Mismatches) + Volatile.Read(ref s.ConnectFailures));

    /// <summary>The socket options in effect on the first connection that opened (all are set alike), or null before one did. Any thread.</summary>
    public SocketSettings? ClientSocketSettings => Volatile.Read(ref _clientSocketSettings);

    private SocketSettings? _clientSocketSettings;

    /// <summary>Keeps the options in effect of the first connection to open. Loop thread; once per connection.</summary>
    internal void Opened(Connection connection)
    {
        if (Volatile.Read(ref _clientSocketSettings) is null) Interlocked.CompareExchange(ref _clientSocketSettings, connection.ReadSocketSettings(), null);
    }

    /// <summary>The error of the first failed connect, or <see cref="ErrorCode.None"/>.</summary>
    public ErrorCode FirstConnectError => Array.Find(_shares, static s => s.FirstConnectError != ErrorCode.None)?.FirstConnectError ?? ErrorCode.None;

    private long Sum(Func<LoadShare, long> read)
    {
        long n = 0;
        foreach (LoadShare s in _shares) n += read(s);
        return n;
    }

    /// <summary>
    /// Connects, runs warm-up and the measured window, stops the loops and returns the result.
    /// <paramref name="everySecond"/> is called about once a second on the calling thread.
    /// </summary>
    public EchoLoadResult Run(Action<TimeSpan>? everySecond = null)
    {
        long start = Stopwatch.GetTimestamp();
        MeasureFrom = start + (long)(_options.Warmup.TotalSeconds * Stopwatch.Frequency);
        MeasureUntil = MeasureFrom + (long)(_options.Duration.TotalSeconds * Stopwatch.Frequency);
        _group.Start();
        foreach (LoadShare share in _shares) share.Loop.Post(static s => ((LoadShare)s!).StartConnecting(), share);

        long nextReport = start + Stopwatch.Frequency;
        while (true)
        {
            long now = Stopwatch.GetTimestamp();
            if (now >= MeasureUntil) break;
            if (now >= nextReport)
            {
                everySecond?.Invoke(Stopwatch.GetElapsedTime(start));
                nextReport += Stopwatch.Frequency;
            }
            long wakeAt = Math.Min(nextReport, MeasureUntil);
            Thread.Sleep((int)Math.Ceiling((wakeAt - now) * 1000.0 / Stopwatch.Frequency));
        }
        // Read what the window saw, then stop: the loops keep running, so each share snapshots itself.
        using (var snapshots = new CountdownEvent(_shares.Length))
        {
            foreach (LoadShare share in _shares)
            {
                share.Loop.Post(s =>
                {
                    ((LoadShare)s!).Snapshot();
                    snapshots.Signal();
                }, share);
            }
            snapshots.Wait(TimeSpan.FromSeconds(10));
        }
        _group.Stop();
        _group.Join(TimeSpan.FromSeconds(10));

        var latency = new LatencyHistogram();
        foreach (LoadShare s in _shares) latency.Add(s.Latency);
        return new EchoLoadResult(Sum(static s => s.OpenAtEnd), _options.Duration.TotalSeconds,
            latency.Count, Sum(static s => s.Bytes), latency,
            Sum(static s => s.MismatchesAtEnd), Sum(static s => s.ErrorsAtEnd), Sum(static s => s.FailuresAtEnd));
    }

    public void Dispose() => _group.Dispose();
}
