using System;
using Reactor.Interop;

namespace Reactor;

/// <summary>
/// The one exception Reactor throws for a setup failure. Its message names the call, the
/// argument and the reason, e.g. <c>bind 127.0.0.1:8080: Address already in use</c>.
/// Failures on the hot path are never thrown; they become close reasons.
/// </summary>
public sealed class ReactorException : Exception
{
    /// <summary>The errno behind the failure, or 0 when it was not a system call.</summary>
    public int Errno { get; }

    public ReactorException(string call, int errno)
        : base($"{call}: {Sys.StrError(errno)}") => Errno = errno;

    public ReactorException(string message) : base(message) { }
}
