using System;
using System.Collections.Generic;
using System.Globalization;

namespace Reactor.Cli;

/// <summary>
/// The socket option flags (<c>--rcvbuf</c>, <c>--sndbuf</c>, <c>--nodelay</c>, <c>--keepalive</c>)
/// and the lines that name each value the kernel put into effect other than as asked.
/// </summary>
internal static class SocketFlags
{
    /// <summary>Every socket option flag: TCP servers.</summary>
    public static readonly string[] Tcp = ["rcvbuf", "sndbuf", "nodelay", "keepalive"];

    /// <summary>The buffer sizes only: UDP sockets.</summary>
    public static readonly string[] Buffers = ["rcvbuf", "sndbuf"];

    /// <summary>The client side of <c>reactor bench echo</c>: keep-alive would not change a measurement.</summary>
    public static readonly string[] Client = ["rcvbuf", "sndbuf", "nodelay"];

    private const string KeepAliveForm = "IDLE[,INTERVAL[,COUNT]] such as 60s or 60s,10s,5 (IDLE and INTERVAL whole seconds from 1s to 32767s, COUNT 1 to 127)";

    /// <summary>Sets in <paramref name="options"/> the socket options whose flags were given.</summary>
    public static void Read(Flags flags, ReactorOptions options)
    {
        options.ReceiveBufferSize = (int)flags.Size("rcvbuf", 0, 1, int.MaxValue);
        options.SendBufferSize = (int)flags.Size("sndbuf", 0, 1, int.MaxValue);
        options.NoDelay = flags.String("nodelay") switch
        {
            null or "on" => true,
            "off" => false,
            string other => throw new UsageException($"--nodelay must be on or off, not '{other}'"),
        };
        string? keepAlive = flags.String("keepalive");
        if (keepAlive is null) return;
        string[] parts = keepAlive.Split(',');
        TimeSpan idle = default, interval = default;   // an interval or count left out keeps the kernel's default
        int count = 0;
        bool valid = parts.Length <= 3 && KeepAliveSeconds(parts[0], out idle)
            && (parts.Length < 2 || KeepAliveSeconds(parts[1], out interval))
            && (parts.Length < 3 || int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out count) && count is >= 1 and <= ReactorOptions.MaxKeepAliveCount);
        if (!valid) throw new UsageException($"--keepalive must be {KeepAliveForm}, not '{keepAlive}'");
        options.KeepAliveIdle = idle;
        options.KeepAliveInterval = interval;
        options.KeepAliveCount = count;
    }

    private static bool KeepAliveSeconds(string text, out TimeSpan value) =>
        Flags.TryParseDuration(text, out value) && value.Ticks % TimeSpan.TicksPerSecond == 0
        && value >= TimeSpan.FromSeconds(1) && value <= TimeSpan.FromSeconds(ReactorOptions.MaxKeepAliveSeconds);

    /// <summary>
    /// One line for each option given on the command line (<c>--backlog</c> included) whose value in
    /// effect differs from the one asked, with the kernel's reason, e.g.
    /// <c>--rcvbuf 64MiB: 8388608 bytes in effect (net.core.rmem_max caps it)</c>.
    /// </summary>
    public static IEnumerable<string> Differences(Flags flags, ReactorOptions asked, SocketSettings inEffect)
    {
        if (flags.String("rcvbuf") is string rcvbuf && inEffect.ReceiveBufferBytes != asked.ReceiveBufferSize)
            yield return BufferLine("rcvbuf", rcvbuf, asked.ReceiveBufferSize, inEffect.ReceiveBufferBytes, "net.core.rmem_max");
        if (flags.String("sndbuf") is string sndbuf && inEffect.SendBufferBytes != asked.SendBufferSize)
            yield return BufferLine("sndbuf", sndbuf, asked.SendBufferSize, inEffect.SendBufferBytes, "net.core.wmem_max");
        if (flags.String("nodelay") is string nodelay && inEffect.NoDelay != asked.NoDelay)
            yield return $"--nodelay {nodelay}: {(inEffect.NoDelay ? "on" : "off")} in effect";
        if (flags.String("keepalive") is string keepAlive && !KeepAliveAsAsked(asked, inEffect))
            yield return $"--keepalive {keepAlive}: {(inEffect.KeepAlive ? "on" : "off")}, idle {inEffect.KeepAliveIdle.TotalSeconds} s, interval {inEffect.KeepAliveInterval.TotalSeconds} s, count {inEffect.KeepAliveCount} in effect";
        // A UDP socket has no backlog (0): its --backlog means nothing and is not reported.
        if (flags.String("backlog") is string backlog && inEffect.Backlog > 0 && inEffect.Backlog != asked.Backlog)
            yield return $"--backlog {backlog}: {inEffect.Backlog} in effect ({(asked.ListenFds.Count > 0 ? "an inherited socket keeps the backlog it was given" : "net.core.somaxconn caps it")})";
    }

    private static string BufferLine(string flag, string text, int asked, int inEffect, string cap)
    {
        // socket(7): the kernel doubles the value set (the other half is its bookkeeping), caps it at twice the sysctl, and has a minimum.
        string reason = inEffect == 2L * asked ? "the kernel doubles it for its bookkeeping" : inEffect < 2L * asked ? $"{cap} caps it" : "the kernel's minimum";
        return $"--{flag} {text}: {inEffect} bytes in effect ({reason})";
    }

    private static bool KeepAliveAsAsked(ReactorOptions asked, SocketSettings inEffect) =>
        inEffect.KeepAlive && inEffect.KeepAliveIdle == asked.KeepAliveIdle
        && (asked.KeepAliveInterval == TimeSpan.Zero || inEffect.KeepAliveInterval == asked.KeepAliveInterval)
        && (asked.KeepAliveCount == 0 || inEffect.KeepAliveCount == asked.KeepAliveCount);
}
