using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using Reactor.Protocols.Proxy;
using Reactor.Protocols.ProxyProtocol;

namespace Reactor.Cli;

/// <summary><c>reactor proxy</c>: the TCP load balancer's flags on top of the common server flags.</summary>
internal static class ProxyCommand
{
    /// <summary>A protocol instance per run: its start hook and stats printer share the balancer its build makes.</summary>
    public static ServeCommand.Protocol Create()
    {
        LoadBalancer? balancer = null;
        return new ServeCommand.Protocol(
            ["listen", "balance", "connect-timeout", "retries", "fall", "rise", "check-interval", "send-proxy"],
            [],
            (flags, options) =>
            {
                ApplyListen(flags, options);
                balancer = new LoadBalancer(ReadOptions(flags));
                LoadBalancer b = balancer;
                return client => new ProxySession(b, client);
            })
        {
            Repeatable = ["backend"],
            Started = group => HealthChecks.Start(balancer!, group.Loops[0]),
            PrintStats = output => PrintStats(balancer!, output),
        };
    }

    private static ProxyOptions ReadOptions(Flags flags)
    {
        IReadOnlyList<string> specs = flags.All("backend");
        if (specs.Count == 0) throw new UsageException("--backend ADDR:PORT is required (repeat it for more backends)");
        if (specs.Count > ProxyOptions.MaxBackends) throw new UsageException($"at most {ProxyOptions.MaxBackends} backends, not {specs.Count}");
        var backends = new List<Backend>(specs.Count);
        foreach (string spec in specs) backends.Add(ParseBackend(spec));
        return new ProxyOptions
        {
            Backends = backends,
            Balance = (flags.String("balance") ?? "roundrobin") switch
            {
                "roundrobin" => BalanceMode.RoundRobin,
                "random" => BalanceMode.Random,
                "weighted" => BalanceMode.Weighted,
                "leastconn" => BalanceMode.LeastConnections,
                "source" => BalanceMode.Source,
                string other => throw new UsageException($"--balance must be roundrobin, random, weighted, leastconn or source, not '{other}'"),
            },
            ConnectTimeout = Positive(flags, "connect-timeout", TimeSpan.FromSeconds(2)),
            Retries = flags.Int("retries", 2, 0, 64),
            Fall = flags.Int("fall", 3, 1, 1000),
            Rise = flags.Int("rise", 2, 1, 1000),
            CheckInterval = flags.Duration("check-interval", TimeSpan.FromSeconds(2)),
            SendProxy = flags.String("send-proxy") switch
            {
                null => ProxyProtocolVersion.None,
                "v1" => ProxyProtocolVersion.V1,
                "v2" => ProxyProtocolVersion.V2,
                string other => throw new UsageException($"--send-proxy must be v1 or v2, not '{other}'"),
            },
        };
    }

    private static TimeSpan Positive(Flags flags, string name, TimeSpan fallback)
    {
        TimeSpan value = flags.Duration(name, fallback);
        if (value <= TimeSpan.Zero) throw new UsageException($"--{name} must be longer than 0");
        return value;
    }

    /// <summary><c>--listen ADDR:PORT</c> is the proxy's spelling of <c>--bind ADDR --port PORT</c>.</summary>
    private static void ApplyListen(Flags flags, ReactorOptions options)
    {
        string? listen = flags.String("listen");
        if (listen is null) return;
        if (flags.String("port") is not null || flags.String("bind") is not null)
            throw new UsageException("--listen names the address and port: give it or --bind/--port, not both");
        IPEndPoint endPoint = ParseEndPoint(listen, "listen");
        options.BindAddress = endPoint.Address;
        options.Port = endPoint.Port;
    }

    /// <summary><c>ADDR:PORT[,weight=N]</c>, e.g. <c>10.0.0.2:8080,weight=3</c> or <c>[::1]:8080</c>.</summary>
    internal static Backend ParseBackend(string spec)
    {
        string[] parts = spec.Split(',');
        int weight = 1;
        foreach (string option in parts.AsSpan(1))
        {
            if (!option.StartsWith("weight=", StringComparison.Ordinal)
                || !int.TryParse(option.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out weight)
                || weight is < 1 or > Backend.MaxWeight)
                throw new UsageException($"--backend '{spec}': the only option is weight=N with N from 1 to {Backend.MaxWeight}");
        }
        return new Backend(ParseEndPoint(parts[0], "backend"), weight);
    }

    internal static IPEndPoint ParseEndPoint(string text, string flag)
    {
        string host = text.StartsWith("localhost:", StringComparison.Ordinal) ? "127.0.0.1" + text[9..] : text;
        if (!IPEndPoint.TryParse(host, out IPEndPoint? endPoint) || endPoint.Port == 0 && !host.EndsWith(":0", StringComparison.Ordinal)
            || host.LastIndexOf(':') < host.LastIndexOf(']') || !host.Contains(':'))
            throw new UsageException($"--{flag} must be ADDR:PORT such as 127.0.0.1:8080 or [::1]:8080, not '{text}'");
        return endPoint;
    }

    private static void PrintStats(LoadBalancer balancer, TextWriter output)
    {
        foreach (Backend b in balancer.Backends)
        {
            output.WriteLine($"backend {b.Index} {Platform.Sockets.Format(b.EndPoint.Address, b.EndPoint.Port)}: {(b.IsUp ? "up" : "down")} weight {b.Weight} active {b.Active} total {b.Total} to-backend {b.BytesToBackend} from-backend {b.BytesFromBackend} failures {b.Failures}");
        }
        output.WriteLine($"proxy: no-backend {balancer.ClientsWithNoBackend} gave-up {balancer.ClientsGivenUp}");
    }
}
