using System;
using BenchmarkDotNet.Attributes;

namespace Reactor.Bench.Timers;

/// <summary>
/// Add then cancel one timer on a heap that already holds <see cref="Pending"/> timers (one per
/// open connection with an idle timeout). Steady state allocates 0 B: entries are reused.
/// </summary>
[MemoryDiagnoser]
public class TimerHeapBenchmarks
{
    private static readonly Action<object?> Nothing = static _ => { };
    private TimerHeap _heap = null!;
    private long _now;

    [Params(1_000, 100_000)]
    public int Pending;

    [GlobalSetup]
    public void Setup()
    {
        _heap = new TimerHeap();
        var random = new Random(1);
        for (int i = 0; i < Pending; i++) _heap.Add(random.Next(0, 60_000), Nothing, null);
        _now = 30_000;
    }

    [Benchmark(Baseline = true)]
    public bool AddCancel()
    {
        TimerHandle h = _heap.Add(_now + 5_000, Nothing, null);
        return _heap.Cancel(h);
    }

    [Benchmark]
    public bool AddFire()
    {
        _heap.Add(0, Nothing, null);
        bool fired = _heap.TryTakeDue(0, out Action<object?>? callback, out object? state);
        callback!(state);
        return fired;
    }
}
