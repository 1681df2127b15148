using System;
using System.Net;
using System.Collections.Concurrent;
using System.Threading;
using Reactor.Backends;
using Reactor.Buffers;
using Reactor.Loop;
using Reactor.Platform;

namespace Reactor;

/// <summary>
/// One single-threaded event loop: a poller, the registrations it owns, a buffer pool, timers and
/// a queue of work posted from other threads. Everything except <see cref="Post"/>, <see cref="Stop"/>
/// and <see cref="Join"/> must be called on the loop thread.
/// </summary>
/// <remarks>
/// One iteration: wait for events (or the next timer), dispatch them, run posted work, fire due
/// timers, then the deferred pass: output written during the iteration is flushed (one syscall per
/// connection), <see cref="IConnectionHandler.OnDrained"/> and re-deliveries after
/// <see cref="Connection.ResumeReading"/> run, and connections closed from inside a callback close.
/// What the pass itself defers runs in the next iteration, without waiting.
/// So a callback never runs nested inside another connection's callback, and every exception a
/// callback throws is caught, counted in <see cref="LoopStats.CallbackErrors"/> and reported to
/// <see cref="ReactorOptions.CallbackError"/>: the loop goes on.
/// </remarks>
public sealed unsafe partial class EventLoop : IDisposable
{
    private readonly ReadyEvent[] _ready;
    private readonly ConcurrentQueue<WorkItem> _posted = new();
    private readonly ManualResetEventSlim _exited = new(false);
    private Registration?[] _deferred = new Registration?[64];
    private int _deferredCount;
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
        // Both are lent for the loop's lifetime. Connections read into the receive buffer and keep
        // memory of their own only for input the handler did not consume; the scratch buffer takes
        // writes to a connection that can no longer send, so a writer never needs a null check.
        ReceiveBuffer = Buffers.Rent();
        ScratchBuffer = Buffers.Rent();
        Buffers.TrimNeeded = ScheduleBufferTrim;
        Poller = Poller.Create(options);
        _ready = new ReadyEvent[options.BatchSize];
        // It doubles as needed: 1024 slots to start with cost 4 page faults (16 KiB zeroed) at start-up.
        Slots = new SlotTable(64);
        UpdateClock();
    }

    /// <summary>Index of the loop in its group.</summary>
    public int Id { get; }

    public ReactorOptions Options { get; }

    /// <summary>The loop's chunk pool. Loop thread only.</summary>
    public BufferPool Buffers { get; }

    public LoopStats Stats { get; } = new();

    /// <summary>The poller's name: "epoll", "kqueue" or "io_uring".</summary>
    public string BackendName => Poller.Name;

    /// <summary>Loop time in milliseconds from a coarse monotonic clock, read before and after each wait.</summary>
    public long NowMilliseconds { get; private set; }

    /// <summary>True when called on this loop's thread.</summary>
    public bool IsOnLoopThread => Environment.CurrentManagedThreadId == Volatile.Read(ref _threadId);

    /// <summary>Registrations (listeners, connections, connects in progress) the loop holds now.</summary>
    internal int RegistrationCount => Slots.Count;

    internal Poller Poller { get; }
    internal SlotTable Slots { get; }
    internal TimerHeap Timers { get; } = new();
    internal byte* ReceiveBuffer { get; }
    internal byte* ScratchBuffer { get; }

    /// <summary>Pool chunks the loop itself holds for its lifetime: the receive and scratch buffers.</summary>
    internal const int OwnChunks = 2;

    /// <summary>Greater than zero while user code (a handler, timer, posted item or connect callback) runs.</summary>
    internal int CallbackDepth;

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

    /// <summary>Cancels a timer from <see cref="Schedule"/>. Returns false when it already fired. Loop thread only.</summary>
    public bool Cancel(TimerHandle timer) => Timers.Cancel(timer);

    /// <summary>
    /// Opens an outgoing TCP connection to <paramref name="remote"/> without blocking: when it is
    /// established it becomes a <see cref="Connection"/> of this loop served by
    /// <paramref name="handler"/> (OnOpen first, as for accepted ones); when it fails or
    /// <paramref name="timeout"/> passes first (zero: the kernel's own limit),
    /// <paramref name="onFailed"/> gets the error (e.g. <see cref="ErrorCode.ConnectionRefused"/>,
    /// <see cref="ErrorCode.TimedOut"/>, <see cref="ErrorCode.Canceled"/> when the loop stops first).
    /// Either may run before this call returns. <paramref name="source"/>, when set, is the local
    /// address to connect from. Once <see cref="Stop"/> was called, nothing is started and nothing
    /// is called back (counted in <see cref="LoopStats.ConnectFailures"/>): connects still pending
    /// then got <see cref="ErrorCode.Canceled"/>, and a client that reconnects from its failure
    /// callback must not keep a stopping loop alive. Loop thread only: from elsewhere,
    /// <see cref="Post"/> the call.
    /// </summary>
    public void Connect(IPEndPoint remote, IConnectionHandler handler, Action<ErrorCode> onFailed, IPAddress? source = null, TimeSpan timeout = default)
    {
        if (Volatile.Read(ref _stopRequested) != 0)
        {
            Stats.connectFailures++;
            return;
        }
        Connector.Start(this, remote, source, timeout, handler, onFailed);
    }

    /// <summary>Runs the loop on a new thread, pinned to <paramref name="core"/> when it is not null.</summary>
    public void Start(int? core = null)
    {
        _thread = new Thread(() =>
        {
            if (core is int c) Threads.PinCurrentThread(c);
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
    /// Queues <paramref name="registration"/> (a connection, a UDP socket) for the deferred pass at
    /// the end of this iteration. It keeps its own flag, so it is queued at most once per pass.
    /// </summary>
    internal void Defer(Registration registration)
    {
        if (_deferredCount == _deferred.Length) Array.Resize(ref _deferred, _deferred.Length * 2);
        _deferred[_deferredCount++] = registration;
    }

    /// <summary>Counts an exception a user callback threw and hands it to <see cref="ReactorOptions.CallbackError"/>.</summary>
    internal void ReportCallbackError(Exception e)
    {
        Stats.callbackErrors++;
        try
        {
            Options.CallbackError?.Invoke(this, e);
        }
        catch (Exception)
        {
            // The reporter is user code too; it must not take the loop down either.
        }
    }

    /// <summary>
    /// Waits once for events, until loop time <paramref name="deadline"/> at the latest (or the next
    /// timer, if sooner), dispatches them, runs posted work and due timers, then the deferred pass.
    /// </summary>
    internal void RunOnce(long deadline)
    {
        // Handlers and posted work of the last iteration may have run for a while: read the clock
        // again so the wait ends when the next timer is due, not that long after it (a vDSO read
        // of the coarse clock costs nanoseconds next to epoll_wait).
        UpdateClock();
        long wakeAt = Math.Min(deadline, Timers.NextDue);
        int timeoutMs = _deferredCount > 0 ? 0
            : wakeAt == long.MaxValue ? -1 : (int)Math.Clamp(wakeAt - NowMilliseconds, 0, int.MaxValue);
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
            Slots.Get(token)?.OnReady(in _ready[i]);
        }
        if (woken) RunPosted();
        RunTimers();
        RunDeferred();
    }

    private void RunPosted()
    {
        Poller.ClearWake();
        Volatile.Write(ref _wakePending, 0);
        while (_posted.TryDequeue(out WorkItem item))
        {
            Stats.postedRun++;
            Invoke(item.Callback, item.State);
        }
    }

    private void RunTimers()
    {
        while (Timers.TryTakeDue(NowMilliseconds, out Action<object?>? callback, out object? state)) Invoke(callback, state);
    }

    /// <summary>Runs one piece of user code, containing whatever it throws.</summary>
    private void Invoke(Action<object?> callback, object? state)
    {
        CallbackDepth++;
        try
        {
            callback(state);
        }
        catch (Exception e)
        {
            ReportCallbackError(e);
        }
        finally
        {
            CallbackDepth--;
        }
    }

    private void RunDeferred()
    {
        // Only what was queued when the pass began: work deferred meanwhile (OnDrained writing to
        // another connection) runs in the next iteration, whose wait does not block. So a cycle of
        // deferrals costs CPU but never starves the loop's events, timers or Stop.
        int count = _deferredCount;
        if (count == 0) return;   // the echo path: nothing batched, nothing closed in a callback
        for (int i = 0; i < count; i++)
        {
            Registration r = _deferred[i]!;
            _deferred[i] = null;
            r.RunDeferred();
        }
        int later = _deferredCount - count;
        Array.Copy(_deferred, count, _deferred, 0, later);
        Array.Clear(_deferred, later, count);
        _deferredCount = later;
    }

    private void Drain()
    {
        foreach (Registration r in Slots.Snapshot()) r.OnLoopStopping();
        RunDeferred();
        long deadline = NowMilliseconds + (long)Options.ShutdownTimeout.TotalMilliseconds;
        while (Slots.Count > 0 && NowMilliseconds < deadline) RunOnce(deadline);
        // Listeners and connects in progress closed at once in OnLoopStopping and no connect starts
        // after Stop: what is left are connections whose peers did not take their output in time.
        foreach (Registration r in Slots.Snapshot())
        {
            if (r is Connection c) c.Abort(CloseReason.Shutdown);
            else r.OnLoopStopping();
        }
        RunDeferred();
        RunPosted();
    }

    private void ScheduleBufferTrim() => Schedule(BufferPool.TrimInterval, static loop => ((EventLoop)loop!).TrimBuffers(), this);

    /// <summary>Gives pool and poller memory unused since the last trim back to the kernel, and trims again later while some is left.</summary>
    private void TrimBuffers()
    {
        bool pollerPending = Poller.Trim();
        if (Buffers.Trim() || pollerPending) ScheduleBufferTrim();
    }

    private void UpdateClock() => NowMilliseconds = Clock.MonotonicMilliseconds();

    /// <summary>Frees the poller and the pool. Call after the loop has exited.</summary>
    public void Dispose()
    {
        Buffers.Return(ReceiveBuffer);
        Buffers.Return(ScratchBuffer);
        Poller.Dispose();
        Buffers.Dispose();
        _exited.Dispose();
    }

    private readonly record struct WorkItem(Action<object?> Callback, object? State);
}
