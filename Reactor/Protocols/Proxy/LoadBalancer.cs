using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;

namespace Reactor.Protocols.Proxy;

/// <summary>
/// Picks a backend for each new client (<see cref="BalanceMode"/>), skipping those that are down,
/// keeps the backends' states from connect outcomes and health checks, and counts clients that
/// could not be served. Shared by every loop of a proxy: lock-free, the shared state is atomics.
/// </summary>
public sealed class LoadBalancer
{
    private readonly Backend[] _backends;
    private readonly int[] _schedule;   // backend indices, each as often as its weight, interleaved
    private long _next;                 // the rotation of RoundRobin, Weighted and LeastConnections ties
    private long _noBackend, _gaveUp;

    public LoadBalancer(ProxyOptions options)
    {
        options.Validate();
        Options = options;
        _backends = [.. options.Backends];
        for (int i = 0; i < _backends.Length; i++) _backends[i].Index = i;
        _schedule = SmoothWeightedOrder(_backends);
    }

    public ProxyOptions Options { get; }

    public IReadOnlyList<Backend> Backends => _backends;

    /// <summary>Clients closed at once because every backend was down (or already tried).</summary>
    public long ClientsWithNoBackend => Volatile.Read(ref _noBackend);

    /// <summary>Clients closed because every connect they were given failed (1 + <see cref="ProxyOptions.Retries"/>).</summary>
    public long ClientsGivenUp => Volatile.Read(ref _gaveUp);

    /// <summary>True when <see cref="Pick"/> uses the client's address, so the caller must look it up.</summary>
    public bool NeedsClientAddress => Options.Balance == BalanceMode.Source;

    /// <summary>
    /// The backend for a client's next connect, counted as active from now on; null when every
    /// backend is down or in <paramref name="tried"/> (a mask of <see cref="Backend.Index"/> bits).
    /// Any thread.
    /// </summary>
    public Backend? Pick(IPAddress? client, ulong tried)
    {
        Backend? chosen = Options.Balance switch
        {
            BalanceMode.RoundRobin => FirstInRotation(Rotate(), tried),
            BalanceMode.Weighted => FirstInSchedule(Rotate(), tried),
            BalanceMode.Random => FirstInSchedule(System.Random.Shared.Next(_schedule.Length), tried),
            BalanceMode.Source => FirstInSchedule(SourceHash(client), tried),
            BalanceMode.LeastConnections => Least(tried),
            _ => throw new InvalidOperationException($"unknown balance mode {Options.Balance}"),
        };
        chosen?.Assigned();
        return chosen;
    }

    internal void CountNoBackend() => Interlocked.Increment(ref _noBackend);

    internal void CountGaveUp() => Interlocked.Increment(ref _gaveUp);

    private int Rotate() => (int)((ulong)(Interlocked.Increment(ref _next) - 1) % int.MaxValue);

    private static bool Usable(Backend b, ulong tried) => b.IsUp && (tried & (1UL << b.Index)) == 0;

    /// <summary>The first usable backend in list order from position <paramref name="start"/>, wrapping.</summary>
    private Backend? FirstInRotation(int start, ulong tried)
    {
        for (int i = 0; i < _backends.Length; i++)
        {
            Backend b = _backends[(start + i) % _backends.Length];
            if (Usable(b, tried)) return b;
        }
        return null;
    }

    /// <summary>The first usable backend in the weighted schedule from position <paramref name="start"/>, wrapping.</summary>
    private Backend? FirstInSchedule(int start, ulong tried)
    {
        for (int i = 0; i < _schedule.Length; i++)
        {
            Backend b = _backends[_schedule[(start + i) % _schedule.Length]];
            if (Usable(b, tried)) return b;
        }
        return null;
    }

    /// <summary>Fewest active clients per unit of weight; ties go round the rotation so equal backends share.</summary>
    private Backend? Least(ulong tried)
    {
        int start = Rotate();
        Backend? best = null;
        for (int i = 0; i < _backends.Length; i++)
        {
            Backend b = _backends[(start + i) % _backends.Length];
            if (!Usable(b, tried)) continue;
            // b.Active / b.Weight < best.Active / best.Weight, without division.
            if (best is null || (long)b.Active * best.Weight < (long)best.Active * b.Weight) best = b;
        }
        return best;
    }

    /// <summary>FNV-1a over the address bytes (the port is left out: one client, many connections).</summary>
    private static int SourceHash(IPAddress? client)
    {
        if (client is null) return 0;
        Span<byte> bytes = stackalloc byte[16];
        client.TryWriteBytes(bytes, out int length);
        uint hash = 2166136261;
        foreach (byte b in bytes[..length]) hash = (hash ^ b) * 16777619;
        return (int)(hash & int.MaxValue);
    }

    /// <summary>
    /// Smooth weighted round robin (the HTTP balancers' algorithm), run once for a whole cycle: each step every backend's
    /// current value grows by its weight, the largest is chosen and lowered by the total. Weights
    /// 5:1:1 give a a b a c a a rather than a a a a a b c.
    /// </summary>
    private static int[] SmoothWeightedOrder(Backend[] backends)
    {
        int total = 0;
        foreach (Backend b in backends) total += b.Weight;
        var current = new int[backends.Length];
        var order = new int[total];
        for (int step = 0; step < total; step++)
        {
            int chosen = 0;
            for (int i = 0; i < backends.Length; i++)
            {
                current[i] += backends[i].Weight;
                if (current[i] > current[chosen]) chosen = i;
            }
            current[chosen] -= total;
            order[step] = chosen;
        }
        return order;
    }
}
