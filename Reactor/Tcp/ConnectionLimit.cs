using System.Threading;

namespace Reactor;

/// <summary>
/// The connection limit of a loop group, shared by its loops: an accepted connection beyond it
/// is closed at once (counted in <see cref="LoopStats.Rejected"/>) and never reaches the handler.
/// One atomic add per accept and per close; nothing per message.
/// </summary>
internal sealed class ConnectionLimit(int max)
{
    private int _open;

    public bool TryAcquire()
    {
        if (Interlocked.Increment(ref _open) <= max) return true;
        Interlocked.Decrement(ref _open);
        return false;
    }

    public void Release() => Interlocked.Decrement(ref _open);
}
