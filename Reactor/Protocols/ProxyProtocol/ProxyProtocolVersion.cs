namespace Reactor.Protocols.ProxyProtocol;

/// <summary>The PROXY protocol header a proxy sends first on a backend connection (HAProxy's doc/proxy-protocol.txt).</summary>
public enum ProxyProtocolVersion
{
    /// <summary>No header.</summary>
    None,

    /// <summary>Version 1: one line of text, <c>PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n</c>.</summary>
    V1,

    /// <summary>Version 2: a 12-byte signature, then binary addresses (28 bytes for IPv4, 52 for IPv6).</summary>
    V2,
}
