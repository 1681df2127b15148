using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.Timers;

public class TimerHeapTests
{
    [Fact]
    public void RunDue_RandomAddsAndCancels_FiresSurvivorsOnceInDueOrder()
    {
        var heap = new TimerHeap();
        var random = new Random(5);
        var handles = new List<(TimerHandle Handle, long Due, int Id)>();
        var fired = new List<(int Id, long Due)>();
        for (int i = 0; i < 10_000; i++)
        {
            long due = random.Next(0, 1000);
            int id = i;
            handles.Add((heap.Add(due, s => fired.Add(((int, long))s!), (id, due)), due, id));
        }
        var cancelled = new HashSet<int>();
        foreach (var h in handles.Where(_ => random.Next(10) < 9))
        {
            Assert.True(heap.Cancel(h.Handle));
            Assert.False(heap.Cancel(h.Handle));
            cancelled.Add(h.Id);
        }
        Assert.Equal(10_000 - cancelled.Count, heap.Count);
        RunDue(heap, 499);
        Assert.All(fired, f => Assert.True(f.Due <= 499));
        RunDue(heap, long.MaxValue - 1);
        Assert.Equal(0, heap.Count);
        Assert.Equal(handles.Where(h => !cancelled.Contains(h.Id)).Select(h => h.Id).OrderBy(x => x), fired.Select(f => f.Id).OrderBy(x => x));
        Assert.Equal(fired.Select(f => f.Due).OrderBy(d => d), fired.Select(f => f.Due));
        Assert.All(handles, h => Assert.False(heap.Cancel(h.Handle)));
    }

    /// <summary>Fires what is due, as the loop does.</summary>
    private static void RunDue(TimerHeap heap, long now)
    {
        while (heap.TryTakeDue(now, out Action<object?>? callback, out object? state)) callback(state);
    }

    [Fact]
    public void Cancel_StaleHandleAfterReuse_DoesNotCancelNewTimer()
    {
        var heap = new TimerHeap();
        TimerHandle old = heap.Add(10, _ => { }, null);
        Assert.True(heap.Cancel(old));
        TimerHandle reused = heap.Add(20, _ => { }, null);
        Assert.Equal(old.Id, reused.Id);
        Assert.False(heap.Cancel(old));
        Assert.Equal(1, heap.Count);
        Assert.False(heap.Cancel(default));
    }

    [Fact]
    public void Schedule_HundredThousandTimersMostCancelled_SurvivorsFireOnceNeverEarlyInDueOrder()
    {
        using var loop = new EventLoop(0, new ReactorOptions());
        loop.Start();
        const int total = 100_000;
        var due = new long[total];
        var firedAt = new long[total];
        var fireCount = new int[total];
        var cancelled = new bool[total];
        int remaining = 0;
        using var done = new ManualResetEventSlim();
        // One callback and pre-boxed ids: like a server's timers, the run allocates nothing.
        object[] ids = Enumerable.Range(0, total).Select(i => (object)i).ToArray();
        Action<object?> onTimer = s =>
        {
            int id = (int)s!;
            fireCount[id]++;
            firedAt[id] = loop.NowMilliseconds;
            if (--remaining == 0) done.Set();
        };
        var handles = new TimerHandle[total];
        loop.Post(_ =>
        {
            var random = new Random(11);
            for (int i = 0; i < total; i++)
            {
                // Loop time is read once per iteration and this one schedules for several ms, so
                // the earliest delay (1 s) leaves room for it; lateness is then the loop's alone.
                int delay = random.Next(1000, 2000);
                due[i] = loop.NowMilliseconds + delay;
                handles[i] = loop.Schedule(TimeSpan.FromMilliseconds(delay), onTimer, ids[i]);
            }
            for (int i = 0; i < total; i++)
            {
                if (random.Next(100) < 95) cancelled[i] = loop.Cancel(handles[i]);
                else remaining++;
            }
        }, null);
        Assert.True(done.Wait(TimeSpan.FromSeconds(10)), "survivors did not all fire within 10 s");
        // Stop only when no timer is left that could still fire (a cancelled one, or a survivor again).
        TestServer.WaitUntil(() => TestServer.OnLoop(loop, l => l.Timers.Count) == 0, "the loop's timer heap to empty");
        loop.Stop();
        Assert.True(loop.Join(TimeSpan.FromSeconds(5)));

        var survivors = new List<int>();
        for (int i = 0; i < total; i++)
        {
            if (cancelled[i])
            {
                Assert.Equal(0, fireCount[i]);
                continue;
            }
            Assert.Equal(1, fireCount[i]);
            Assert.True(firedAt[i] >= due[i], $"timer {i} fired early: {firedAt[i]} < {due[i]}");
            survivors.Add(i);
        }
        Assert.InRange(survivors.Count, 4000, 6000);
        // In due order: a timer due earlier never fired after one due later. (How late they fire
        // depends on how busy the machine is; that is for the benchmarks, not a unit test.)
        survivors.Sort((a, b) => due[a].CompareTo(due[b]));
        for (int k = 1; k < survivors.Count; k++)
        {
            int before = survivors[k - 1], after = survivors[k];
            if (due[before] < due[after]) Assert.True(firedAt[before] <= firedAt[after], $"timer {before} (due {due[before]}) fired at {firedAt[before]}, after timer {after} (due {due[after]}) at {firedAt[after]}");
        }
    }
}
