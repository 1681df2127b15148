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
    /// <summary>The operating-system error behind the failure, or <see cref="ErrorCode.None"/> when it was not a system call.</summary>
    public ErrorCode Error { get; }

    public ReactorException(string call, ErrorCode error)
        : base($"{call}: {Sys.StrError(error)}") => Error = error;

    public ReactorException(string message) : base(message) { }
}
