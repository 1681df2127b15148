using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading;

namespace Reactor.Native;

/// <summary>
/// A reactor_timer_t: a loop timer whose C callback runs once or repeatedly, and which any thread
/// can cancel. Its state moves Armed → Running → Armed (repeating) or Done; a cancel moves Armed to
/// Cancelled, or Running to CancelledWhileRunning, which the loop turns into Done when the callback
/// returns. So a cancel that returns 0 means the callback never starts again.
/// </summary>
internal sealed unsafe class NativeTimer
{
    private const int Armed = 0, Running = 1, Cancelled = 2, CancelledWhileRunning = 3, Done = 4;

    // Handles count up from 1 and are never reused, so a stale one is simply not found.
    private static readonly ConcurrentDictionary<ulong, NativeTimer> Live = new();
    private static long s_lastId;

    private static readonly Action<object?> Fire = static state => ((NativeTimer)state!).OnDue();
    private static readonly Action<object?> Unschedule = static state => ((NativeTimer)state!).RemoveFromLoop();

    private readonly EmbeddedServer _server;
    private readonly EventLoop _loop;
    private readonly delegate* unmanaged<ulong, void*, void> _callback;
    private readonly void* _arg;
    private readonly TimeSpan _repeat;
    private TimerHandle _scheduled;   // loop thread only
    private long _due;                // Stopwatch timestamp of the next run
    private int _state;

    private NativeTimer(ulong id, EmbeddedServer server, EventLoop loop, delegate* unmanaged<ulong, void*, void> callback, void* arg, TimeSpan repeat)
    {
        Id = id;
        _server = server;
        _loop = loop;
        _callback = callback;
        _arg = arg;
        _repeat = repeat;
    }

    public ulong Id { get; }

    /// <summary>Creates the timer and arms it on <paramref name="loop"/> (at once on its thread, else by posting).</summary>
    public static ulong Start(EmbeddedServer server, EventLoop loop, TimeSpan delay, TimeSpan repeat, delegate* unmanaged<ulong, void*, void> callback, void* arg)
    {
        var timer = new NativeTimer((ulong)Interlocked.Increment(ref s_lastId), server, loop, callback, arg, repeat);
        timer._due = After(Stopwatch.GetTimestamp(), delay);
        Live[timer.Id] = timer;
        if (loop.IsOnLoopThread) timer.Arm();
        else loop.Post(static state => ((NativeTimer)state!).Arm(), timer);
        return timer.Id;
    }

    /// <summary>
    /// Cancels the timer of <paramref name="id"/>: true when its callback will never start again
    /// (waiting for a run in progress on another thread), false when there is no such live timer.
    /// </summary>
    public static bool Cancel(ulong id)
    {
        if (!Live.TryGetValue(id, out NativeTimer? timer)) return false;
        while (true)
        {
            int state = Volatile.Read(ref timer._state);
            if (state == Armed && Interlocked.CompareExchange(ref timer._state, Cancelled, Armed) == Armed)
            {
                Live.TryRemove(id, out _);
                // Free its place in the loop's timer heap now rather than when it falls due.
                if (timer._loop.IsOnLoopThread) timer.RemoveFromLoop();
                else timer._loop.Post(Unschedule, timer);
                return true;
            }
            if (state == Running && Interlocked.CompareExchange(ref timer._state, CancelledWhileRunning, Running) == Running)
            {
                // From its own callback the loop is this thread: the run ends after we return.
                if (timer._loop.IsOnLoopThread) return true;
                var spin = new SpinWait();
                while (Volatile.Read(ref timer._state) != Done) spin.SpinOnce();
                return true;
            }
            if (state is Cancelled or CancelledWhileRunning or Done) return false;
        }
    }

    /// <summary>Forgets the timers of a destroyed server: their loops are gone, and their handles now give ENOENT.</summary>
    public static void ForgetAll(EmbeddedServer server)
    {
        foreach (var (id, timer) in Live)
        {
            if (timer._server != server) continue;
            Volatile.Write(ref timer._state, Done);
            Live.TryRemove(id, out _);
        }
    }

    private void Arm()
    {
        if (Volatile.Read(ref _state) == Armed) ScheduleAtDue();
    }

    /// <summary>
    /// Puts the timer on the loop for <see cref="_due"/>. The loop counts on a coarse clock that
    /// lags real time by up to a tick (4 ms), so <see cref="OnDue"/> checks the fine clock and
    /// waits again if it came early: C programs are promised a timer never fires before its time.
    /// </summary>
    private void ScheduleAtDue() => _scheduled = _loop.Schedule(Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _due), Fire, this);

    private static long After(long timestamp, TimeSpan delay) => timestamp + (long)(delay.TotalSeconds * Stopwatch.Frequency);

    private void RemoveFromLoop() => _loop.Cancel(_scheduled);

    private void OnDue()
    {
        if (Volatile.Read(ref _state) != Armed) return;
        if (Stopwatch.GetTimestamp() < _due)
        {
            ScheduleAtDue();
            return;
        }
        if (Interlocked.CompareExchange(ref _state, Running, Armed) != Armed) return;
        long started = Stopwatch.GetTimestamp();
        try
        {
            _callback(Id, _arg);
        }
        finally
        {
            bool again = _repeat > TimeSpan.Zero && Interlocked.CompareExchange(ref _state, Armed, Running) == Running;
            if (again)
            {
                _due = After(started, _repeat);
                ScheduleAtDue();
            }
            else
            {
                Live.TryRemove(Id, out _);
                Volatile.Write(ref _state, Done);
            }
        }
    }
}
