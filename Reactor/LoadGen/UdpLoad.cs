using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace Reactor.LoadGen;

/// <summary>What a UDP echo load run does; see <c>reactor bench udp --help</c>.</summary>
public sealed record UdpLoadOptions
{
    public required IPEndPoint Server { get; init; }
    public int Sockets { get; init; } = 4;
    public int DatagramSize { get; init; } = 64;

    /// <summary>Datagrams in flight per socket. Kept below what the socket buffers hold, so on loopback nothing is lost.</summary>
    public int Window { get; init; } = 16;

    /// <summary>Datagrams to echo in all, over all sockets.</summary>
    public long Count { get; init; } = 1_000_000;

    /// <summary>The run ends here even if not every datagram came back.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(60);
    public int Threads { get; init; } = 1;
}

/// <summary>A run's counts. Lost = sent but never answered (a stalled window is refilled after 100 ms).</summary>
public sealed record UdpLoadResult(long Sent, long Received, long Mismatches, long Reordered, long Errors, double Seconds, LatencyHistogram Latency)
{
    public long Lost => Sent - Received;
    public double DatagramsPerSecond => Seconds > 0 ? Received / Seconds : 0;
}

/// <summary>
/// A UDP echo load generator on Reactor's own UDP sockets: <see cref="UdpLoadOptions.Sockets"/>
/// connected sockets spread over the loops, each keeping <see cref="UdpLoadOptions.Window"/>
/// datagrams in flight until its share of <see cref="UdpLoadOptions.Count"/> is echoed. Every
/// datagram carries its sequence number and send time, then bytes of <see cref="EchoPattern"/>;
/// every reply is checked whole (a changed byte, a wrong length or a sequence number never sent is
/// a mismatch), its round trip recorded.
/// </summary>
public sealed class UdpLoad : IDisposable
{
    internal const int HeaderSize = 16;   // sequence number, send timestamp
    private static readonly TimeSpan StallCheck = TimeSpan.FromMilliseconds(100);

    private readonly UdpLoadOptions _options;
    private readonly LoopGroup _group;
    private readonly List<Sender>[] _senders;

    public UdpLoad(UdpLoadOptions options)
    {
        if (options.DatagramSize < HeaderSize) throw new ArgumentOutOfRangeException(nameof(options), $"datagrams carry a {HeaderSize}-byte header: size must be at least {HeaderSize}");
        _options = options;
        _group = new LoopGroup(new ReactorOptions { LoopCount = options.Threads, ShutdownTimeout = TimeSpan.FromSeconds(1) });
        _senders = new List<Sender>[options.Threads];
        for (int i = 0; i < _senders.Length; i++) _senders[i] = [];
    }

    /// <summary>Datagrams echoed so far. Any thread.</summary>
    public long ReceivedSoFar => Sum(static s => Volatile.Read(ref s.Received));

    private long Sum(Func<Sender, long> read)
    {
        long n = 0;
        foreach (List<Sender> list in _senders)
        {
            lock (list)
            {
                foreach (Sender s in list) n += read(s);
            }
        }
        return n;
    }

    /// <summary>Opens the sockets, runs until every datagram is echoed (or lost, or the timeout), and returns the result.</summary>
    public UdpLoadResult Run(Action<TimeSpan>? everySecond = null)
    {
        long start = Stopwatch.GetTimestamp();
        _group.Start();
        var local = new IPEndPoint(_options.Server.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        for (int i = 0; i < _options.Sockets; i++)
        {
            long quota = _options.Count / _options.Sockets + (i < _options.Count % _options.Sockets ? 1 : 0);
            EventLoop loop = _group.Loops[i % _group.Loops.Count];
            List<Sender> list = _senders[loop.Id];
            int seed = EchoPattern.SeedOf(i);
            loop.Post(_ =>
            {
                var sender = new Sender(_options, quota, seed);
                sender.Socket = UdpSocket.Open(loop, local, sender, _options.Server);
                lock (list) list.Add(sender);
                sender.Refill();
                if (list.Count == 1) loop.Schedule(StallCheck, CheckStalls, list);
            }, null);
        }

        long deadline = start + (long)(_options.Timeout.TotalSeconds * Stopwatch.Frequency);
        long nextReport = start + Stopwatch.Frequency;
        while (Stopwatch.GetTimestamp() < deadline && Sum(static s => Volatile.Read(ref s.Finished) ? 1 : 0) < _options.Sockets)
        {
            Thread.Sleep(10);
            if (Stopwatch.GetTimestamp() >= nextReport)
            {
                everySecond?.Invoke(Stopwatch.GetElapsedTime(start));
                nextReport += Stopwatch.Frequency;
            }
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        _group.Stop();
        _group.Join(TimeSpan.FromSeconds(10));

        var latency = new LatencyHistogram();
        foreach (List<Sender> list in _senders)
        {
            foreach (Sender s in list) latency.Add(s.Latency);
        }
        return new UdpLoadResult(Sum(static s => s.Sent), Sum(static s => s.Received), Sum(static s => s.Mismatches),
            Sum(static s => s.Reordered), Sum(static s => s.Errors), seconds, latency);
    }

    /// <summary>Every 100 ms: a socket whose replies stopped although datagrams are out lost them; send a new window.</summary>
    private static void CheckStalls(object? state)
    {
        var list = (List<Sender>)state!;
        EventLoop? loop = null;
        foreach (Sender s in list)
        {
            s.RefillIfStalled();
            loop = s.Socket!.Loop;
        }
        loop?.Schedule(StallCheck, CheckStalls, list);
    }

    public void Dispose() => _group.Dispose();

    /// <summary>One client socket: sends, checks replies, keeps its window full. Loop thread only (counters read by others).</summary>
    private sealed class Sender(UdpLoadOptions options, long quota, int seed) : IDatagramHandler
    {
        public UdpSocket? Socket;
        public long Sent, Received, Mismatches, Reordered, Errors;
        public readonly LatencyHistogram Latency = new();
        public bool Finished;
        private long _inFlight;
        private long _lastSequence = -1;
        private long _receivedAtLastCheck;
        private int _quietChecks;

        public void OnDatagram(UdpSocket socket, Span<byte> datagram, in UdpPeer peer)
        {
            long sequence = datagram.Length >= HeaderSize ? BinaryPrimitives.ReadInt64LittleEndian(datagram) : -1;
            if (datagram.Length != options.DatagramSize || sequence < 0 || sequence >= Sent
                || EchoPattern.CountMismatches(datagram[HeaderSize..], sequence * (options.DatagramSize - HeaderSize), seed) > 0)
            {
                Volatile.Write(ref Mismatches, Mismatches + 1);
                return;
            }
            if (sequence < _lastSequence) Reordered++;
            _lastSequence = sequence;
            long sentAt = BinaryPrimitives.ReadInt64LittleEndian(datagram[8..]);
            Latency.Record((Stopwatch.GetTimestamp() - sentAt) * 1_000_000 / Stopwatch.Frequency);
            Volatile.Write(ref Received, Received + 1);
            if (_inFlight > 0) _inFlight--;
            Refill();
        }

        public void Refill()
        {
            Span<byte> datagram = stackalloc byte[options.DatagramSize];
            while (_inFlight < options.Window && Sent < quota)
            {
                BinaryPrimitives.WriteInt64LittleEndian(datagram, Sent);
                BinaryPrimitives.WriteInt64LittleEndian(datagram[8..], Stopwatch.GetTimestamp());
                EchoPattern.At(Sent * (options.DatagramSize - HeaderSize), seed, options.DatagramSize - HeaderSize).CopyTo(datagram[HeaderSize..]);
                if (!Socket!.Send(datagram)) Errors++;
                Volatile.Write(ref Sent, Sent + 1);
                _inFlight++;
            }
            if (Received == quota) Volatile.Write(ref Finished, true);
        }

        public void RefillIfStalled()
        {
            if (Finished) return;
            bool progressed = Received != _receivedAtLastCheck;
            _receivedAtLastCheck = Received;
            if (progressed)
            {
                _quietChecks = 0;
                return;
            }
            if (Sent < quota)
            {
                // Nothing came back for 100 ms with datagrams out: they are lost; send a new window.
                _inFlight = 0;
                Refill();
                return;
            }
            // Everything is sent and nothing came back for 300 ms: what is still out is lost.
            if (++_quietChecks >= 3) Volatile.Write(ref Finished, true);
        }
    }
}
