using System;
using System.Net;
using System.Threading;

namespace Reactor.Protocols.Proxy;

/// <summary>
/// One server behind the proxy: its address and weight, whether it is up, and its counters.
/// Every loop reads and updates it, so the state and the counters are atomics; a counter read
/// from another thread is a snapshot, good for statistics.
/// </summary>
public sealed class Backend
{
    private int _down;                 // 1 once marked down; starts up
    private int _consecutiveFailures;  // connects and checks failed in a row
    private int _consecutivePasses;    // checks passed in a row while down
    private int _active;
    private long _total, _failures, _bytesToBackend, _bytesFromBackend;

    /// <param name="endPoint">Where to connect.</param>
    /// <param name="weight">Share of new clients relative to the other backends (1 to 256) in the weighted, random and source modes.</param>
    public Backend(IPEndPoint endPoint, int weight = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(weight, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(weight, MaxWeight);
        EndPoint = endPoint;
        Weight = weight;
    }

    public const int MaxWeight = 256;

    public IPEndPoint EndPoint { get; }
    public int Weight { get; }

    /// <summary>Position in the balancer's list.</summary>
    public int Index { get; internal set; }

    /// <summary>False after <see cref="ProxyOptions.Fall"/> failures in a row, until <see cref="ProxyOptions.Rise"/> health checks pass.</summary>
    public bool IsUp => Volatile.Read(ref _down) == 0;

    /// <summary>Clients assigned to it now: connecting or connected.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>Clients connected to it so far.</summary>
    public long Total => Volatile.Read(ref _total);

    /// <summary>Connects to it that were refused, timed out or failed otherwise (health checks included).</summary>
    public long Failures => Volatile.Read(ref _failures);

    /// <summary>Bytes read from clients and sent on to it.</summary>
    public long BytesToBackend => Volatile.Read(ref _bytesToBackend);

    /// <summary>Bytes read from it and sent on to clients.</summary>
    public long BytesFromBackend => Volatile.Read(ref _bytesFromBackend);

    internal void Assigned() => Interlocked.Increment(ref _active);

    internal void Released() => Interlocked.Decrement(ref _active);

    internal void AddToBackend(int bytes) => Interlocked.Add(ref _bytesToBackend, bytes);

    internal void AddFromBackend(int bytes) => Interlocked.Add(ref _bytesFromBackend, bytes);

    /// <summary>A client's connect succeeded: the failure run ends.</summary>
    internal void Connected()
    {
        Interlocked.Increment(ref _total);
        Volatile.Write(ref _consecutiveFailures, 0);
    }

    /// <summary>A connect failed (a client's or a check's): <paramref name="fall"/> in a row mark it down.</summary>
    internal void Failed(int fall)
    {
        Interlocked.Increment(ref _failures);
        Volatile.Write(ref _consecutivePasses, 0);
        if (Interlocked.Increment(ref _consecutiveFailures) >= fall) Volatile.Write(ref _down, 1);
    }

    /// <summary>A health check connected: <paramref name="rise"/> in a row bring a down backend back.</summary>
    internal void CheckPassed(int rise)
    {
        Volatile.Write(ref _consecutiveFailures, 0);
        if (IsUp) return;
        if (Interlocked.Increment(ref _consecutivePasses) >= rise)
        {
            Volatile.Write(ref _consecutivePasses, 0);
            Volatile.Write(ref _down, 0);
        }
    }
}
