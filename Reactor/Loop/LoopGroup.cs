using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using Reactor.Platform;

namespace Reactor;

/// <summary>
/// N event loops, each on its own thread with its own SO_REUSEPORT listener on the same port,
/// so the kernel spreads new connections across them and a connection lives on one loop (on
/// macOS, whose kernel spreads nothing, the loops share one listener and race to accept).
/// Start it with <c>Serve</c> (a server) or <see cref="Start"/> (loops for outgoing
/// connections only); stop it with <see cref="Stop"/> from any thread. A program whose main
/// thread has nothing else to do binds with <c>Listen</c> instead and calls <see cref="Run"/>.
/// </summary>
public sealed class LoopGroup : IDisposable
{
    private readonly EventLoop[] _loops;
    private readonly ReactorOptions _options;
    private bool _listening;
    private bool _started;

    public LoopGroup(ReactorOptions options)
    {
        options.Validate();
        _options = options;
        _loops = new EventLoop[options.LoopCount];
        for (int i = 0; i < _loops.Length; i++) _loops[i] = new EventLoop(i, options);
    }

    public IReadOnlyList<EventLoop> Loops => _loops;

    /// <summary>The address and port the listeners are bound to (the real port when 0 was asked for).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>
    /// The socket options in effect on the listeners (or UDP sockets), read back from the kernel
    /// once they were set: the buffer sizes doubled and capped, the backlog capped at
    /// net.core.somaxconn (on macOS the backlog as asked: see <see cref="Reactor.SocketSettings.Backlog"/>).
    /// Accepted connections inherit them. Null until <c>Listen</c> or
    /// <see cref="ListenUdp"/> returned. Any thread.
    /// </summary>
    public SocketSettings? SocketSettings { get; private set; }

    /// <summary>
    /// Serves every connection with one shared <paramref name="handler"/>, which must then be safe
    /// for concurrent loops and keep per-connection state elsewhere. See <see cref="Serve(Func{Connection, IConnectionHandler})"/>.
    /// </summary>
    public void Serve(IConnectionHandler handler) => Serve(_ => handler);

    /// <summary><see cref="Listen"/>, then <see cref="Start"/>.</summary>
    public void Serve(Func<Connection, IConnectionHandler> newHandler)
    {
        Listen(newHandler);
        Start();
    }

    /// <summary>
    /// Binds one listener per loop, to be served once the loops run (<see cref="Start"/> or
    /// <see cref="Run"/>); until then the kernel queues new connections in the backlog. <paramref name="newHandler"/> runs
    /// on the loop thread for every accepted connection, before OnOpen, and returns the handler
    /// that serves it: a new instance keeps the protocol's state in its own fields (one allocation
    /// per connection, none per message); returning one instance per loop, or the same one for all,
    /// works too. If it throws, the connection is closed at once, counted as rejected.
    /// Binding happens on the calling thread, so "address in use" and friends are thrown from here
    /// as <see cref="ReactorException"/>.
    /// </summary>
    public void Listen(Func<Connection, IConnectionHandler> newHandler)
    {
        if (_listening || _started) throw new InvalidOperationException("the group is already serving");
        var listeners = new List<Listener>(_loops.Length);
        ConnectionLimit? limit = _options.MaxConnections > 0 ? new ConnectionLimit(_options.MaxConnections) : null;
        try
        {
            if (_options.ListenFds.Count > 0)
            {
                AdoptListeners(newHandler, limit, listeners);
                _listening = true;
                return;
            }
            int port = _options.Port;
            if (port != 0) Sockets.EnsurePortFree(_options.BindAddress, port);
            foreach (EventLoop loop in _loops)
            {
                // Where the kernel spreads nothing (macOS), the loops share the first listener, as
                // they share an inherited one (AdoptListeners).
                bool shared = listeners.Count > 0 && !Sockets.KernelSpreadsConnections;
                int fd = shared ? Sockets.Duplicate(listeners[0].Fd) : Sockets.Listen(_options.BindAddress, port, _options);
                var listener = new Listener(loop, fd, newHandler, limit, shared);
                listeners.Add(listener);
                listener.Register();
                // With port 0 the first bind picks the port; the other loops join it.
                if (LocalEndPoint is null)
                {
                    LocalEndPoint = Sockets.LocalEndPoint(fd);
                    port = LocalEndPoint.Port;
                    SocketSettings = Sockets.ReadSettings(fd, stream: true, _options.Backlog);
                }
            }
        }
        catch
        {
            foreach (Listener l in listeners) l.Close();
            throw;
        }
        _listening = true;
    }

    /// <summary><see cref="ListenUdp"/>, then <see cref="Start"/>.</summary>
    public void ServeUdp(IDatagramHandler handler)
    {
        ListenUdp(handler);
        Start();
    }

    /// <summary>
    /// Binds one UDP socket per loop on <see cref="ReactorOptions.BindAddress"/> and
    /// <see cref="ReactorOptions.Port"/> (SO_REUSEPORT: the kernel spreads datagrams over the loops
    /// by source address and port, so one peer's datagrams stay on one loop and in order), to be
    /// served once the loops run (<see cref="Start"/> or <see cref="Run"/>). <paramref name="handler"/>
    /// serves every socket: it must be safe for concurrent loops. Binding happens on the calling
    /// thread; failures throw <see cref="ReactorException"/>.
    /// </summary>
    public void ListenUdp(IDatagramHandler handler)
    {
        if (_listening || _started) throw new InvalidOperationException("the group is already serving");
        UdpSocket[] sockets = OpenUdpSockets(new IPEndPoint(_options.BindAddress, _options.Port), handler, static (_, action) => action());
        LocalEndPoint = sockets[0].LocalEndPoint;
        SocketSettings = Sockets.ReadSettings(sockets[0].Fd, stream: false);
        _listening = true;
    }

    /// <summary>
    /// Binds one UDP socket per loop of a running group on <paramref name="local"/>, as
    /// <see cref="ServeUdp"/> does before the start, and returns them in loop order. Each socket is
    /// opened on its own loop's thread while the caller waits, so call it from a thread that is not
    /// one of the group's loops. Failures throw <see cref="ReactorException"/> and leave no socket open.
    /// </summary>
    public UdpSocket[] OpenUdp(IPEndPoint local, IDatagramHandler handler)
    {
        if (!_started) throw new InvalidOperationException("the group is not running: ServeUdp binds before the start");
        return OpenUdpSockets(local, handler, RunOnLoop);
    }

    private UdpSocket[] OpenUdpSockets(IPEndPoint local, IDatagramHandler handler, Action<EventLoop, Action> onLoop)
    {
        var sockets = new UdpSocket[_loops.Length];
        int opened = 0;
        try
        {
            if (local.Port != 0) Sockets.EnsurePortFree(local.Address, local.Port, datagram: true);
            foreach (EventLoop loop in _loops)
            {
                onLoop(loop, () => sockets[loop.Id] = UdpSocket.Open(loop, local, handler));
                opened++;
                // With port 0 the first bind picks the port; the other loops join it.
                local = sockets[0].LocalEndPoint;
            }
        }
        catch
        {
            for (int i = 0; i < opened; i++) onLoop(_loops[i], sockets[i].Close);
            throw;
        }
        return sockets;
    }

    /// <summary>Runs <paramref name="action"/> on the thread of a running <paramref name="loop"/> and waits for it, rethrowing what it threw (<see cref="ErrorCode.Canceled"/> if the loop exits first).</summary>
    private static void RunOnLoop(EventLoop loop, Action action)
    {
        using var done = new ManualResetEventSlim();
        Exception? error = null;
        loop.Post(_ =>
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                error = e;
            }
            done.Set();
        }, null);
        // Work posted to a loop that has exited never runs.
        while (!done.Wait(50))
        {
            if (loop.Join(TimeSpan.Zero) && !done.IsSet) throw new ReactorException($"loop {loop.Id}", ErrorCode.Canceled);
        }
        if (error is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    /// <summary>
    /// Serves <see cref="ReactorOptions.ListenFds"/>: loop 0 takes each fd itself, the others a
    /// duplicate. The kernel wakes every loop's poller for a new connection on a shared socket and
    /// one accept wins; the others meet EAGAIN, which costs a little CPU but loses nothing.
    /// The socket options asked for are set on each socket (its accepted sockets inherit them);
    /// its backlog stays the one its creator chose.
    /// </summary>
    private void AdoptListeners(Func<Connection, IConnectionHandler> newHandler, ConnectionLimit? limit, List<Listener> listeners)
    {
        foreach (int inherited in _options.ListenFds)
        {
            Sockets.ApplyStreamOptions(inherited, _options, inherited: true);
            for (int i = 0; i < _loops.Length; i++)
            {
                int fd = i == 0 ? inherited : Sockets.Duplicate(inherited);
                // Shared with this group's other loops, and maybe with another process (a restart).
                var listener = new Listener(_loops[i], fd, newHandler, limit, shared: true);
                listeners.Add(listener);
                listener.Register();
            }
        }
        LocalEndPoint = Sockets.LocalEndPoint(_options.ListenFds[0]);
        SocketSettings = Sockets.ReadSettings(_options.ListenFds[0], stream: true);
    }

    /// <summary>Starts the loop threads: after <c>Listen</c>, or without listeners, e.g. for <see cref="EventLoop.Connect"/>.</summary>
    public void Start() => StartFrom(0);

    /// <summary>
    /// Runs loop 0 on the calling thread and the others on threads of their own until
    /// <see cref="Stop"/>, and returns once every loop has exited. Against <see cref="Start"/> it
    /// saves a thread start (which waits until the new thread runs) on the way to the first
    /// accept: the `reactor` servers start this way (README, "Start-up").
    /// </summary>
    public void Run()
    {
        StartFrom(1);
        if (_options.PinThreads) Threads.PinCurrentThread(0);
        _loops[0].Run();
        Join(Timeout.InfiniteTimeSpan);
    }

    private void StartFrom(int first)
    {
        if (_started) throw new InvalidOperationException("the group is already running");
        _started = true;
        if (_options.PinThreads) Threads.RequirePinning();
        for (int i = first; i < _loops.Length; i++) _loops[i].Start(_options.PinThreads ? i : null);
    }

    /// <summary>Asks every loop to stop (graceful: see <see cref="EventLoop.Run"/>). Any thread; returns at once.</summary>
    public void Stop()
    {
        foreach (EventLoop loop in _loops) loop.Stop();
    }

    /// <summary>Waits for every loop thread to exit; <see cref="Timeout.InfiniteTimeSpan"/> waits forever. Returns false on timeout.</summary>
    public bool Join(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan)
        {
            foreach (EventLoop loop in _loops) loop.Join(Timeout.InfiniteTimeSpan);
            return true;
        }
        DateTime deadline = DateTime.UtcNow + timeout;
        foreach (EventLoop loop in _loops)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            if (!loop.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero)) return false;
        }
        return true;
    }

    /// <summary>Stops, waits for the loops and frees them.</summary>
    public void Dispose()
    {
        if (_listening && !_started)
        {
            // Bound but never run: each loop, stopped at once on this thread, closes its sockets.
            Stop();
            foreach (EventLoop loop in _loops) loop.Run();
        }
        else if (_started)
        {
            Stop();
            if (!Join(_options.ShutdownTimeout + TimeSpan.FromSeconds(5))) return; // a stuck loop keeps its memory
        }
        foreach (EventLoop loop in _loops) loop.Dispose();
    }
}
