using System;
using System.Collections.Generic;
using System.Threading;
using Xunit;

namespace Reactor.Tests.Loop;

public class EventLoopTests
{
    [Fact]
    public void Post_EightThreadsHundredThousandEach_EachRunsOnceInOrderOnLoopThread()
    {
        const int threads = 8, perThread = 100_000;
        using var loop = new EventLoop(0, new ReactorOptions());
        loop.Start();
        var next = new int[threads];          // touched only on the loop thread
        int wrongThread = 0, outOfOrder = 0, ran = 0;
        using var allDone = new ManualResetEventSlim();

        var posters = new List<Thread>();
        for (int t = 0; t < threads; t++)
        {
            int id = t;
            var thread = new Thread(() =>
            {
                for (int i = 0; i < perThread; i++)
                {
                    int seq = i;
                    loop.Post(_ =>
                    {
                        if (!loop.IsOnLoopThread) wrongThread++;
                        if (next[id] != seq) outOfOrder++;
                        next[id] = seq + 1;
                        if (++ran == threads * perThread) allDone.Set();
                    }, null);
                }
            });
            posters.Add(thread);
            thread.Start();
        }
        foreach (Thread t in posters) t.Join();
        Assert.True(allDone.Wait(TimeSpan.FromSeconds(30)), $"only {Volatile.Read(ref ran)} items ran");
        loop.Stop();
        Assert.True(loop.Join(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, wrongThread);
        Assert.Equal(0, outOfOrder);
        Assert.Equal(threads * perThread, ran);
        Assert.Equal(threads * perThread, loop.Stats.PostedRun);
        Assert.All(next, n => Assert.Equal(perThread, n));
    }

    [Fact]
    public void Post_CallbackThrows_LoopKeepsRunning()
    {
        using var loop = new EventLoop(0, new ReactorOptions());
        loop.Start();
        using var ran = new ManualResetEventSlim();
        loop.Post(_ => throw new InvalidOperationException("boom"), null);
        loop.Post(_ => ran.Set(), null);
        Assert.True(ran.Wait(TimeSpan.FromSeconds(5)));
        loop.Stop();
        Assert.True(loop.Join(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, loop.Stats.CallbackErrors);
    }

    [Fact]
    public void Stop_Twice_IsHarmless()
    {
        using var loop = new EventLoop(0, new ReactorOptions());
        loop.Start();
        loop.Stop();
        loop.Stop();
        Assert.True(loop.Join(TimeSpan.FromSeconds(5)));
    }
}
