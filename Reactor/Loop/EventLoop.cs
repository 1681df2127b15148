using System;
using System.Net;
using System.Collections.Concurrent;
using System.Threading;
using Reactor.Backends;
using Reactor.Buffers;
using Reactor.Interop;
using Reactor.Loop;

namespace Reactor;

/// <summary>
/// One single-threaded event loop: a poller, the registrations it owns, a buffer pool and a queue
/// of work posted from other threads. Everything except <see cref="Post"/>, <see cref="Stop"/>
/// and <see cref="Join"/> must be called on the loop thread.
/// </summary>
public sealed unsafe partial class EventLoop : IDisposable
{
    private readonly ReadyEvent[] _ready;
    private readonly ConcurrentQueue<WorkItem> _posted = new();
    private readonly ManualResetEventSlim _exited = new(false);
    private int _wakePending;
    private int _stopRequested;
    private int _threadId;
    private Thread? _thread;

    public EventLoop(int id, ReactorOptions options)
    {
        options.Validate();
        Id = id;
        Options = options;
        long slabBytes = (long)options.BufferSize * ReactorOptions.ChunksPerSlab;
        Buffers = new BufferPool(
            options.BufferSize,
            ReactorOptions.ChunksPerSlab,
            initialSlabs: (int)Math.Max(1, options.InitialPoolBytes / slabBytes),
            maxSlabs: (int)Math.Max(1, options.MaxPoolBytes / slabBytes));
        // The receive buffer is lent for the loop's lifetime: connections read into it and keep a
        // chunk of their own only for input the handler did not consume.
        ReceiveBuffer = Buffers.Rent();
        Poller = Poller.Create(options.BatchSize);
        _ready = new ReadyEvent[options.BatchSize];
        Slots = new SlotTable(1024);
        UpdateClock();
    }

    /// <summary>Index of the loop in its group.</summary>
    public int Id { get; }

    public ReactorOptions Options { get; }

    /// <summary>The loop's chunk pool. Loop thread only.</summary>
    public BufferPool Buffers { get; }

    public LoopStats Stats { get; } = new();

    /// <summary>The poller's name, e.g. "epoll".</summary>
    public string BackendName => Poller.Name;

    /// <summary>The loop's timers. Loop thread only; see <see cref="Schedule"/>.</summary>
    public TimerHeap Timers { get; } = new();

    /// <summary>Loop time in milliseconds from a coarse monotonic clock, read before and after each wait.</summary>
    public long NowMilliseconds { get; private set; }

    /// <summary>True when called on this loop's thread.</summary>
    public bool IsOnLoopThread => Environment.CurrentManagedThreadId == Volatile.Read(ref _threadId);

    /// <summary>Registrations (listeners and connections) the loop holds now.</summary>
    internal int RegistrationCount => Slots.Count;

    internal Poller Poller { get; }
    internal SlotTable Slots { get; }
    internal byte* ReceiveBuffer { get; }

    /// <summary>
    /// Queues <paramref name="callback"/> to run on the loop thread. Any thread may call it; items
    /// from one thread run in the order they were posted. Items posted after the loop exited never run.
    /// </summary>
    public void Post(Action<object?> callback, object? state)
    {
        _posted.Enqueue(new WorkItem(callback, state));
        // Only the first post after the loop last drained pays for the eventfd write.
        if (Interlocked.Exchange(ref _wakePending, 1) == 0) Poller.Wake();
    }

    /// <summary>
    /// Runs <paramref name="callback"/>(<paramref name="state"/>) on the loop thread after
    /// <paramref name="delay"/>, measured on the loop clock (its resolution is the kernel tick,
    /// 1-4 ms). Loop thread only. Allocates nothing when the callback is a static lambda.
    /// </summary>
    public TimerHandle Schedule(TimeSpan delay, Action<object?> callback, object? state) =>
        Timers.Add(NowMilliseconds + (long)Math.Ceiling(delay.TotalMilliseconds), callback, state);

    /// <summary>
    /// Opens an outgoing TCP connection to <paramref name="remote"/> without blocking: when it is
    /// established it becomes a <see cref="Connection"/> of this loop served by
    /// <paramref name="handler"/> (OnOpen first, as for accepted ones); when it fails or
    /// <paramref name="timeout"/> passes first (zero: the kernel's own limit),
    /// <paramref name="onFailed"/> gets the errno (e.g. ECONNREFUSED 111, ETIMEDOUT 110).
    /// <paramref name="source"/>, when set, is the local address to connect from. Loop thread only:
    /// from elsewhere, <see cref="Post"/> the call.
    /// </summary>
    public void Connect(IPEndPoint remote, IConnectionHandler handler, Action<int> onFailed, IPAddress? source = null, TimeSpan timeout = default) =>
        Connector.Start(this, remote, source, timeout, handler, onFailed);

    /// <summary>Cancels a timer from <see cref="Schedule"/>. Returns false when it already fired. Loop thread only.</summary>
    public bool Cancel(TimerHandle timer) => Timers.Cancel(timer);

    /// <summary>Runs the loop on a new thread, pinned to <paramref name="core"/> when it is not null.</summary>
    public void Start(int? core = null)
    {
        _thread = new Thread(() =>
        {
            if (core is int c) PinCurrentThread(c);
            Run();
        })
        {
            Name = $"reactor-loop-{Id}",
            IsBackground = true,
        };
        _thread.Start();
    }

    /// <summary>
    /// Runs the loop on the calling thread until <see cref="Stop"/>: then stops accepting, lets
    /// connections flush their queued output for up to <see cref="ReactorOptions.ShutdownTimeout"/>,
    /// and aborts what is left.
    /// </summary>
    public void Run()
    {
        Volatile.Write(ref _threadId, Environment.CurrentManagedThreadId);
        try
        {
            while (Volatile.Read(ref _stopRequested) == 0) RunOnce(long.MaxValue);
            Drain();
        }
        finally
        {
            _exited.Set();
        }
    }

    /// <summary>Asks the loop to stop. Any thread; returns at once. Idempotent.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopRequested, 1) == 0) Poller.Wake();
    }

    /// <summary>Waits for the loop thread to finish. Returns false on timeout.</summary>
    public bool Join(TimeSpan timeout) => _exited.Wait(timeout);

    /// <summary>
    /// Waits once for events, until loop time <paramref name="deadline"/> at the latest (or the next
    /// timer, if sooner), dispatches them, then fires the timers that are due.
    /// </summary>
    private void RunOnce(long deadline)
    {
        // Handlers and posted work of the last iteration may have run for a while: read the clock
        // again so the wait ends when the next timer is due, not that long after it (a vDSO read
        // of the coarse clock costs nanoseconds next to epoll_wait).
        UpdateClock();
        long wakeAt = Math.Min(deadline, Timers.NextDue);
        int timeoutMs = wakeAt == long.MaxValue ? -1 : (int)Math.Clamp(wakeAt - NowMilliseconds, 0, int.MaxValue);
        int n = Poller.Wait(_ready, timeoutMs);
        UpdateClock();
        bool woken = false;
        for (int i = 0; i < n; i++)
        {
            ulong token = _ready[i].Token;
            if (token == Poller.WakeToken)
            {
                woken = true;
                continue;
            }
            // A null here is a stale event: its registration closed earlier in this batch.
            Slots.Get(token)?.OnReady(_ready[i].Readiness);
        }
        if (woken) RunPosted();
        Timers.RunDue(NowMilliseconds);
    }

    private void RunPosted()
    {
        Poller.ClearWake();
        Volatile.Write(ref _wakePending, 0);
        while (_posted.TryDequeue(out WorkItem item))
        {
            Stats.postedRun++;
            try
            {
                item.Callback(item.State);
            }
            catch (Exception e)
            {
                Stats.postedErrors++;
                Console.Error.WriteLine($"reactor: loop {Id}: posted work threw {e.GetType().Name}: {e.Message}");
            }
        }
    }

    private void Drain()
    {
        foreach (Registration r in Slots.Snapshot()) r.OnLoopStopping();
        long deadline = NowMilliseconds + (long)Options.ShutdownTimeout.TotalMilliseconds;
        while (Slots.Count > 0 && NowMilliseconds < deadline) RunOnce(deadline);
        foreach (Registration r in Slots.Snapshot()) ((Connection)r).Abort(CloseReason.Shutdown);
        RunPosted();
    }

    private void UpdateClock()
    {
        Libc.timespec ts;
        Libc.clock_gettime(Libc.CLOCK_MONOTONIC_COARSE, &ts);
        NowMilliseconds = ts.tv_sec * 1000 + ts.tv_nsec / 1_000_000;
    }

    private static void PinCurrentThread(int core)
    {
        // cpu_set_t is 1024 bits; pid 0 means the calling thread.
        ulong* mask = stackalloc ulong[16];
        new Span<ulong>(mask, 16).Clear();
        core %= Environment.ProcessorCount;
        mask[core / 64] = 1UL << (core % 64);
        Sys.ThrowIfError(Sys.Check(Libc.sched_setaffinity(0, 16 * sizeof(ulong), mask)), $"sched_setaffinity(core {core})");
    }

    /// <summary>Frees the poller and the pool. Call after the loop has exited.</summary>
    public void Dispose()
    {
        Buffers.Return(ReceiveBuffer);
        Poller.Dispose();
        Buffers.Dispose();
        _exited.Dispose();
    }

    private readonly record struct WorkItem(Action<object?> Callback, object? State);
}
