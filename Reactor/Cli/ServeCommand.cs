using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Runtime.InteropServices;
using System.Threading;
using Reactor.Platform;

namespace Reactor.Cli;

/// <summary>
/// Every <c>reactor</c> server verb (echo, upper, and the protocols built on them): the common
/// server flags, a protocol's own flags, and serving until SIGINT or SIGTERM.
/// </summary>
internal static class ServeCommand
{
    private static readonly string[] CommonValued = ["port", "bind", "threads", "backlog", "buffer-size", "max-pending", "shutdown-timeout", "idle-timeout", "max-connections"];
    private static readonly string[] CommonSwitches = ["pin", "stats"];

    /// <summary>A protocol's part of a server verb: its own flags, and how it builds the per-connection handlers from them.</summary>
    /// <param name="Valued">Flags of its own that take a value.</param>
    /// <param name="Switches">Flags of its own that take none.</param>
    /// <param name="Build">Reads its flags (it may adjust the options, e.g. a default port) and returns the handler factory.</param>
    internal sealed record Protocol(string[] Valued, string[] Switches, Func<Flags, ReactorOptions, Func<Connection, IConnectionHandler>> Build)
    {
        /// <summary>A protocol with no flags of its own whose one stateless handler serves every connection.</summary>
        public static Protocol Shared(IConnectionHandler handler) => new([], [], (_, _) => _ => handler);

        /// <summary>Valued flags of its own that may be given more than once.</summary>
        public string[] Repeatable { get; init; } = [];

        /// <summary>Runs once the listeners are bound, before the loops run (so it may only post to them): the proxy starts its health checks here.</summary>
        public Action<LoopGroup>? Started { get; init; }

        /// <summary>Writes the protocol's own <c>--stats</c> lines after the loops' counters.</summary>
        public Action<TextWriter>? PrintStats { get; init; }
    }

    public static int Run(ReadOnlySpan<string> args, string name, Protocol protocol) =>
        Run(args, name, [.. protocol.Valued, .. SocketFlags.Tcp], [.. protocol.Switches, "accept-proxy"], protocol.Repeatable, (flags, options) =>
        {
            // Started by a supervisor with listening sockets (systemd's LISTEN_FDS): serve those, bind nothing.
            options.ListenFds = SocketActivation.TakeListenFds();
            Func<Connection, IConnectionHandler> handlers = protocol.Build(flags, options);
            if (flags.Switch("accept-proxy"))
            {
                // Every connection starts with a PROXY protocol header, read before the protocol sees the connection.
                Func<Connection, IConnectionHandler> plain = handlers;
                handlers = c => new Protocols.ProxyProtocol.ProxyProtocolAcceptor(plain(c));
            }
            return group =>
            {
                group.Listen(handlers);
                protocol.Started?.Invoke(group);
            };
        }, protocol.PrintStats);

    /// <summary>
    /// <c>reactor udp-echo</c> and other UDP servers: the common flags, the datagram batch and size,
    /// and the verb's own <paramref name="switches"/>, from which <paramref name="handler"/> builds the datagram handler.
    /// </summary>
    public static int RunUdp(ReadOnlySpan<string> args, string name, string[] switches, Func<Flags, IDatagramHandler> handler) =>
        Run(args, name, ["batch", "max-datagram", .. SocketFlags.Buffers], switches, [], (flags, options) =>
        {
            options.DatagramBatch = flags.Int("batch", options.DatagramBatch, 1, 1024);
            options.MaxDatagramBytes = (int)flags.Size("max-datagram", options.MaxDatagramBytes, 1, 65535);
            IDatagramHandler datagrams = handler(flags);
            return group => group.ListenUdp(datagrams);
        }, printStats: null);

    /// <summary>
    /// Parses the common flags and the verb's own (<paramref name="valued"/>, <paramref name="switches"/>,
    /// <paramref name="repeatable"/>), then <paramref name="serve"/> reads the verb's flags (it may
    /// adjust the options) and returns what binds the group; serves until SIGINT or SIGTERM, with
    /// loop 0 on this thread. <paramref name="printStats"/> adds the verb's own <c>--stats</c> lines.
    /// </summary>
    private static int Run(ReadOnlySpan<string> args, string name, string[] valued, string[] switches, string[] repeatable,
        Func<Flags, ReactorOptions, Action<LoopGroup>> serve, Action<TextWriter>? printStats)
    {
        // The proxy's --backend names its servers: there the loops' backend is --loop-backend.
        string backendFlag = repeatable.Contains("backend") ? "loop-backend" : "backend";
        var flags = new Flags(args, new HashSet<string>([.. CommonValued, backendFlag, .. valued, .. repeatable]),
            new HashSet<string>([.. CommonSwitches, .. switches]), new HashSet<string>(repeatable));
        var options = new ReactorOptions
        {
            Port = flags.Int("port", 7000, 0, 65535),
            BindAddress = flags.Address("bind", IPAddress.Loopback),
            LoopCount = flags.Int("threads", Environment.ProcessorCount, 1, 1024),
            PinThreads = flags.Switch("pin"),
            Backlog = flags.Int("backlog", 4096, 1, 1 << 20),
            BufferSize = (int)flags.Size("buffer-size", 16 * 1024, 1024, 16 << 20),
            ShutdownTimeout = flags.Duration("shutdown-timeout", TimeSpan.FromSeconds(5)),
            IdleTimeout = flags.Duration("idle-timeout", TimeSpan.Zero),
            MaxConnections = flags.Int("max-connections", 0, 0, int.MaxValue),
        };
        options.MaxPendingBytes = (int)flags.Size("max-pending", 1 << 20, options.BufferSize, int.MaxValue);
        // Given, it wins over REACTOR_BACKEND.
        if (flags.String(backendFlag) is string backend)
        {
            try
            {
                options.Backend = ReactorOptions.ParseBackend(backend, "--" + backendFlag);
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }
        }
        SocketFlags.Read(flags, options);
        Action<LoopGroup> listen = serve(flags, options);
        TextWriter errors = StandardStreamWriter.Error;
        TextWriter? stats = flags.Switch("stats") ? errors : null;
        options.CallbackError = (loop, e) => errors.WriteLine($"reactor {name}: loop {loop.Id}: a callback threw {e.GetType().Name}: {e.Message}");

        FileLimit.RaiseToHardLimit();
        using var group = new LoopGroup(options);
        listen(group);
        foreach (string line in SocketFlags.Differences(flags, options, group.SocketSettings!)) errors.WriteLine($"reactor {name}: {line}");
        // Handlers go in before the "listening" line: a script may signal as soon as it reads it.
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true; // we exit ourselves, after draining
            group.Stop();
        }
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        // Formatted apart, not nested in the line: a second pooled buffer out at once on a thread
        // sends the shared array pool to its per-core stacks, whose first use times processor-id
        // lookups for 0.7 ms, here before the first accept.
        string address = Sockets.Format(group.LocalEndPoint!.Address, group.LocalEndPoint.Port);
        StandardStreamWriter.Out.WriteLine($"reactor {name}: listening on {address} ({options.LoopCount} loops, {group.Loops[0].BackendName})");

        // Loop 0 runs on this thread (one thread start less before the first accept), so --stats
        // prints from a thread of its own.
        Thread? statsPrinter = stats is null ? null : new Thread(() =>
        {
            while (!group.Join(TimeSpan.FromSeconds(1))) PrintStats(group, printStats, stats);
        }) { IsBackground = true, Name = "reactor-stats" };
        statsPrinter?.Start();
        group.Run();
        if (stats is not null)
        {
            statsPrinter!.Join();
            PrintStats(group, printStats, stats);
        }
        return 0;
    }

    private static void PrintStats(LoopGroup group, Action<TextWriter>? printStats, TextWriter output)
    {
        StatsPrinter.Print(group, output);
        printStats?.Invoke(output);
    }
}
