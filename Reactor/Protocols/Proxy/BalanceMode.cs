namespace Reactor.Protocols.Proxy;

/// <summary>How the proxy picks a backend for a new client. Backends that are down are skipped in every mode.</summary>
public enum BalanceMode
{
    /// <summary>Each backend in turn, weights ignored: exact rotation across every loop.</summary>
    RoundRobin,

    /// <summary>A random backend, in proportion to the weights.</summary>
    Random,

    /// <summary>In turn, in proportion to the weights, interleaved (smooth weighted round robin, as common HTTP balancers do).</summary>
    Weighted,

    /// <summary>The backend with the fewest active clients relative to its weight.</summary>
    LeastConnections,

    /// <summary>A hash of the client's IP address: one client keeps its backend while the backend set and their states are unchanged.</summary>
    Source,
}
