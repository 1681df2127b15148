using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using Reactor.LoadGen;
using Reactor.Platform;

namespace Reactor.Cli;

/// <summary><c>reactor bench echo</c>: drive an echo server and report throughput, latency and errors.</summary>
internal static class BenchCommand
{
    private static readonly HashSet<string> Valued = ["host", "port", "connections", "duration", "warmup", "size", "pipeline", "threads", "sources", "connect-timeout", .. SocketFlags.Client];
    private static readonly HashSet<string> Switches = ["json"];

    private static readonly HashSet<string> UdpValued = ["host", "port", "sockets", "size", "window", "count", "timeout", "threads"];

    public static int Run(ReadOnlySpan<string> args)
    {
        if (args.Length == 0) throw new UsageException("bench needs a target: reactor bench echo|udp ...");
        return args[0] switch
        {
            "echo" => RunEcho(args[1..]),
            "udp" => RunUdp(args[1..]),
            _ => throw new UsageException($"unknown bench target '{args[0]}' (known: echo, udp)"),
        };
    }

    /// <summary><c>reactor bench udp</c>: echo a fixed count of datagrams, every reply checked; rate, loss, latency.</summary>
    private static int RunUdp(ReadOnlySpan<string> args)
    {
        var flags = new Flags(args, UdpValued, Switches);
        var options = new UdpLoadOptions
        {
            Server = new IPEndPoint(flags.Address("host", IPAddress.Loopback), flags.Int("port", 7000, 1, 65535)),
            Sockets = flags.Int("sockets", 4, 1, 10_000),
            DatagramSize = (int)flags.Size("size", 64, UdpLoad.HeaderSize, 65507),
            Window = flags.Int("window", 16, 1, 4096),
            Count = flags.Int("count", 1_000_000, 1, int.MaxValue),
            Timeout = flags.Duration("timeout", TimeSpan.FromSeconds(60)),
            Threads = flags.Int("threads", 1, 1, 1024),
        };
        bool json = flags.Switch("json");
        bool progress = !Console.IsErrorRedirected;
        using var load = new UdpLoad(options);
        UdpLoadResult r = load.Run(elapsed =>
        {
            if (progress) Console.Error.Write($"\r{elapsed.TotalSeconds,5:F0} s  {load.ReceivedSoFar,12:N0} of {options.Count:N0} echoed   ");
        });
        if (progress) Console.Error.WriteLine();
        LatencyHistogram l = r.Latency;
        Console.WriteLine(json
            ? string.Create(CultureInfo.InvariantCulture,
                $"{{\"client\":\"reactor\",\"sockets\":{options.Sockets},\"size\":{options.DatagramSize},\"window\":{options.Window},\"seconds\":{r.Seconds:F3},\"sent\":{r.Sent},\"received\":{r.Received},\"lost\":{r.Lost}," +
                $"\"datagrams_per_second\":{r.DatagramsPerSecond:F0},\"p50_us\":{l.Percentile(0.5)},\"p99_us\":{l.Percentile(0.99)},\"max_us\":{l.Max},\"mismatches\":{r.Mismatches},\"reordered\":{r.Reordered},\"errors\":{r.Errors}}}")
            : string.Create(CultureInfo.InvariantCulture, $"""
                reactor bench udp: {Sockets.Format(options.Server.Address, options.Server.Port)}, {options.Sockets} sockets, {options.DatagramSize}-byte datagrams, window {options.Window}, {options.Threads} threads, {r.Seconds:F2} s
                  {r.DatagramsPerSecond:N0} datagrams/s echoed; sent {r.Sent} received {r.Received} lost {r.Lost}
                  latency us: p50 {l.Percentile(0.5)}  p90 {l.Percentile(0.9)}  p99 {l.Percentile(0.99)}  max {l.Max}
                  mismatched datagrams {r.Mismatches}  reordered {r.Reordered}  send errors {r.Errors}
                """));
        // A corrupted or invented reply makes the numbers meaningless; loss is UDP's right, reported above.
        return r.Mismatches > 0 || r.Errors > 0 ? 1 : 0;
    }

    private static int RunEcho(ReadOnlySpan<string> args)
    {
        var flags = new Flags(args, Valued, Switches);
        var asked = new ReactorOptions();
        SocketFlags.Read(flags, asked);
        var options = new EchoLoadOptions
        {
            ReceiveBufferSize = asked.ReceiveBufferSize,
            SendBufferSize = asked.SendBufferSize,
            NoDelay = asked.NoDelay,
            Server = new IPEndPoint(flags.Address("host", IPAddress.Loopback), flags.Int("port", 7000, 1, 65535)),
            Connections = flags.Int("connections", 100, 1, 1_000_000),
            Duration = flags.Duration("duration", TimeSpan.FromSeconds(10)),
            Warmup = flags.Duration("warmup", TimeSpan.FromSeconds(2)),
            MessageSize = (int)flags.Size("size", 64, 1, 1 << 20),
            Pipeline = flags.Int("pipeline", 1, 1, 4096),
            Threads = flags.Int("threads", Environment.ProcessorCount, 1, 1024),
            SourceAddresses = flags.Int("sources", 1, 1, 254),
            ConnectTimeout = flags.Duration("connect-timeout", TimeSpan.FromSeconds(10)),
        };
        if (options.Duration <= TimeSpan.Zero) throw new UsageException("--duration must be above 0");
        bool ipv4Loopback = options.Server.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && IPAddress.IsLoopback(options.Server.Address);
        if (options.SourceAddresses > 1 && !ipv4Loopback)
            throw new UsageException("--sources spreads over 127.0.0.x: it needs an IPv4 loopback --host");
        bool json = flags.Switch("json");

        FileLimit.RaiseToHardLimit();
        bool progress = !Console.IsErrorRedirected;
        using var load = new EchoLoad(options);
        long lastMessages = 0;
        TimeSpan lastTime = TimeSpan.Zero;
        EchoLoadResult result = load.Run(elapsed =>
        {
            if (!progress) return;
            long messages = load.MessagesSoFar;
            double rate = (messages - lastMessages) / Math.Max(1e-3, (elapsed - lastTime).TotalSeconds);
            // The line describes the second that just ended: name it by its middle.
            string phase = (lastTime + elapsed) / 2 < options.Warmup ? "warm-up" : "measuring";
            lastMessages = messages;
            lastTime = elapsed;
            Console.Error.Write($"\r{elapsed.TotalSeconds,5:F0} s  {phase,-9}  {rate,12:N0} msg/s  open {load.OpenSoFar}/{options.Connections}  errors+mismatches+connect failures {load.ProblemsSoFar}   ");
        });
        if (progress) Console.Error.WriteLine();
        if (load.ClientSocketSettings is SocketSettings inEffect)
        {
            foreach (string line in SocketFlags.Differences(flags, asked, inEffect)) Console.Error.WriteLine($"reactor bench: {line}");
        }

        Console.WriteLine(json ? Json(options, result) : Text(options, result));
        if (result.ConnectFailures > 0)
            Console.Error.WriteLine($"reactor bench: {result.ConnectFailures} of {options.Connections} connects to {Sockets.Format(options.Server.Address, options.Server.Port)} failed, the first with: {load.FirstConnectError.Message()}");
        // Numbers from a run that lost or corrupted bytes are not a benchmark result: say so in the status.
        return result.Mismatches > 0 || result.Errors > 0 || result.ConnectFailures > 0 ? 1 : 0;
    }

    private static string Text(EchoLoadOptions o, EchoLoadResult r)
    {
        LatencyHistogram l = r.Latency;
        return string.Create(CultureInfo.InvariantCulture, $"""
            reactor bench echo: {Sockets.Format(o.Server.Address, o.Server.Port)}, {o.Connections} connections ({r.Open} open), {o.MessageSize}-byte messages, pipeline {o.Pipeline}, {o.Threads} threads, {r.Seconds:F1} s after {o.Warmup.TotalSeconds:F1} s warm-up
              {r.MessagesPerSecond:N0} msg/s, {r.MegabytesPerSecond:F2} MB/s echoed
              latency us: p50 {l.Percentile(0.5)}  p90 {l.Percentile(0.9)}  p99 {l.Percentile(0.99)}  p99.9 {l.Percentile(0.999)}  max {l.Max}
              mismatched bytes {r.Mismatches}  errors {r.Errors}  connect failures {r.ConnectFailures}
            """);
    }

    // The same fields as scripts/loadgen/echo_client.c, so scripts read either client.
    private static string Json(EchoLoadOptions o, EchoLoadResult r)
    {
        LatencyHistogram l = r.Latency;
        return string.Create(CultureInfo.InvariantCulture,
            $"{{\"client\":\"reactor\",\"connections\":{o.Connections},\"open\":{r.Open},\"size\":{o.MessageSize},\"pipeline\":{o.Pipeline},\"threads\":{o.Threads},\"seconds\":{r.Seconds:F3}," +
            $"\"messages\":{r.Messages},\"messages_per_second\":{r.MessagesPerSecond:F0},\"mb_per_second\":{r.MegabytesPerSecond:F2}," +
            $"\"p50_us\":{l.Percentile(0.5)},\"p90_us\":{l.Percentile(0.9)},\"p99_us\":{l.Percentile(0.99)},\"p999_us\":{l.Percentile(0.999)},\"max_us\":{l.Max}," +
            $"\"mismatches\":{r.Mismatches},\"errors\":{r.Errors},\"connect_failures\":{r.ConnectFailures}}}");
    }
}
