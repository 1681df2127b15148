using System;

namespace Reactor.Protocols.Proxy;

/// <summary>
/// Active health checks on one loop: every <see cref="ProxyOptions.CheckInterval"/> a TCP connect
/// to each backend. A connect that succeeds is closed at once with a reset (no TIME_WAIT left on
/// the proxy, as HAProxy does) and counts towards <see cref="ProxyOptions.Rise"/>; one that fails
/// counts towards <see cref="ProxyOptions.Fall"/>, as a client's failed connect does.
/// </summary>
internal sealed class HealthChecks
{
    private static readonly Action<object?> Tick = static state => ((HealthChecks)state!).CheckAll();

    private readonly LoadBalancer _balancer;
    private readonly EventLoop _loop;
    private readonly Probe[] _probes;

    private HealthChecks(LoadBalancer balancer, EventLoop loop)
    {
        _balancer = balancer;
        _loop = loop;
        _probes = new Probe[balancer.Backends.Count];
        for (int i = 0; i < _probes.Length; i++) _probes[i] = new Probe(balancer.Backends[i], balancer.Options);
    }

    /// <summary>Starts the checks on <paramref name="loop"/>; any thread. Does nothing when the interval is zero.</summary>
    public static void Start(LoadBalancer balancer, EventLoop loop)
    {
        if (balancer.Options.CheckInterval <= TimeSpan.Zero) return;
        var checks = new HealthChecks(balancer, loop);
        loop.Post(static state => ((HealthChecks)state!).Schedule(), checks);
    }

    private void Schedule() => _loop.Schedule(_balancer.Options.CheckInterval, Tick, this);

    private void CheckAll()
    {
        // A check still in flight (at most the connect timeout, which may exceed the interval) is not doubled.
        foreach (Probe probe in _probes)
        {
            if (probe.InFlight) continue;
            probe.InFlight = true;
            _loop.Connect(probe.Backend.EndPoint, probe, probe.OnFailed, null, _balancer.Options.ConnectTimeout);
        }
        Schedule();
    }

    /// <summary>The handler of one backend's check connections, reused for every check.</summary>
    private sealed class Probe(Backend backend, ProxyOptions options) : IConnectionHandler
    {
        public readonly Backend Backend = backend;
        public bool InFlight;

        public void OnFailed(ErrorCode error)
        {
            InFlight = false;
            Backend.Failed(options.Fall);
        }

        public void OnOpen(Connection connection)
        {
            InFlight = false;
            Backend.CheckPassed(options.Rise);
            connection.Reset(CloseReason.Local);
        }

        public int OnData(Connection connection, Span<byte> data) => data.Length;

        public void OnClose(Connection connection, CloseReason reason) { }
    }
}
