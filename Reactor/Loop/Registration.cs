using Reactor.Backends;

namespace Reactor.Loop;

/// <summary>
/// Something registered with a loop's poller: a listener or a connection. Public only because
/// <see cref="Connection"/> derives from it; it cannot be derived outside Reactor.
/// </summary>
public abstract class Registration
{
    private protected Registration() { }

    /// <summary>The slot token the poller reports for this registration.</summary>
    internal ulong Token;

    /// <summary>Handles what the poller reported. Runs on the loop thread.</summary>
    internal abstract void OnReady(Readiness readiness);

    /// <summary>Closes the registration as part of stopping the loop.</summary>
    internal abstract void OnLoopStopping();
}
