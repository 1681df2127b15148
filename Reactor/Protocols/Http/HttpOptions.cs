using System;

namespace Reactor.Protocols.Http;

/// <summary>
/// Limits and timeouts of an HTTP/1.1 server; one instance is shared (read-only) by every
/// connection of every loop.
/// </summary>
public sealed class HttpOptions
{
    /// <summary>
    /// The largest request head (request line and header fields, up to the empty line) accepted;
    /// a larger one is refused with 431. Also bounds chunked trailers. Defaults to 8 KiB.
    /// </summary>
    public int MaxHeaderBytes { get; init; } = 8 * 1024;

    /// <summary>The longest request target accepted; a longer one is refused with 414. Defaults to 8 KiB.</summary>
    public int MaxTargetLength { get; init; } = 8 * 1024;

    /// <summary>
    /// The largest request body accepted (decoded, for a chunked one); a larger one is refused with 413,
    /// as is a chunked body whose encoding exceeds twice this plus 64 KiB. Defaults to 1 MiB.
    /// </summary>
    public int MaxBodyBytes { get; init; } = 1 << 20;

    /// <summary>At most this many header fields; more are refused with 431. Defaults to 100.</summary>
    public int MaxHeaderCount { get; init; } = 100;

    /// <summary>
    /// How long a request may take to arrive once its first byte did (head and body); after it the
    /// client gets 408 and the connection closes. Defaults to 10 s.
    /// </summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a persistent connection may stay idle between requests before it is closed. Defaults to 5 s.</summary>
    public TimeSpan KeepAliveTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The <c>Server</c> header's value. Defaults to <c>reactor</c>.</summary>
    public string ServerName { get; init; } = "reactor";

    internal byte[] ServerNameBytes => field ??= System.Text.Encoding.ASCII.GetBytes(ServerName);

    // The timeouts in loop-clock milliseconds, for the per-request arithmetic.
    internal long HeaderTimeoutMs => (long)Math.Ceiling(HeaderTimeout.TotalMilliseconds);
    internal long KeepAliveTimeoutMs => (long)Math.Ceiling(KeepAliveTimeout.TotalMilliseconds);

    /// <summary>
    /// The input a connection keeps at most: a whole request head and its body, since a request is
    /// handed over complete. Chunked encoding may double a body made of tiny chunks.
    /// </summary>
    internal int MaxRequestBytes => (int)Math.Min(int.MaxValue, MaxHeaderBytes + 2L * MaxBodyBytes + 64 * 1024);
}
