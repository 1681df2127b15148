using System;
using System.Collections.Generic;
using Reactor.Protocols.ProxyProtocol;

namespace Reactor.Protocols.Proxy;

/// <summary>What <c>reactor proxy</c> forwards to and how it handles failures. The defaults are HAProxy's where it has one.</summary>
public sealed class ProxyOptions
{
    /// <summary>The servers behind the proxy, at most 64.</summary>
    public required IReadOnlyList<Backend> Backends { get; init; }

    /// <summary>Defaults to <see cref="BalanceMode.RoundRobin"/>.</summary>
    public BalanceMode Balance { get; init; } = BalanceMode.RoundRobin;

    /// <summary>How long a connect to a backend may take before it counts as failed. Defaults to 2 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Further backends tried after a client's first connect failed, before the client is closed. Defaults to 2.</summary>
    public int Retries { get; init; } = 2;

    /// <summary>Failed connects in a row (clients' or health checks') that mark a backend down. Defaults to 3.</summary>
    public int Fall { get; init; } = 3;

    /// <summary>Passed health checks in a row that mark a down backend up again. Defaults to 2.</summary>
    public int Rise { get; init; } = 2;

    /// <summary>Time between health checks (a TCP connect to each backend); zero turns them off. Defaults to 2 s.</summary>
    public TimeSpan CheckInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The PROXY protocol header sent first on every backend connection, naming the client's
    /// address and the one it connected to. Defaults to <see cref="ProxyProtocolVersion.None"/>.
    /// </summary>
    public ProxyProtocolVersion SendProxy { get; init; } = ProxyProtocolVersion.None;

    public const int MaxBackends = 64;

    internal void Validate()
    {
        if (Backends.Count is < 1 or > MaxBackends) throw new ArgumentOutOfRangeException(nameof(Backends), Backends.Count, $"1 to {MaxBackends} backends");
        if (ConnectTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "connect timeout must be positive");
        if (Retries < 0) throw new ArgumentOutOfRangeException(nameof(Retries), Retries, "retries must not be negative");
        if (Fall < 1) throw new ArgumentOutOfRangeException(nameof(Fall), Fall, "fall must be at least 1");
        if (Rise < 1) throw new ArgumentOutOfRangeException(nameof(Rise), Rise, "rise must be at least 1");
        if (CheckInterval < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(CheckInterval), CheckInterval, "check interval must not be negative");
    }
}
