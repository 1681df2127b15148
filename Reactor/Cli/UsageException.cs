using System;

namespace Reactor.Cli;

/// <summary>A bad command line: the CLI prints the message and the usage, and exits 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
