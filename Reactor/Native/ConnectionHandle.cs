namespace Reactor.Native;

/// <summary>
/// reactor_conn_t: server index (6 bits) | server generation (8) | loop index (6) | slot index (20)
/// | slot generation (low 24 bits). The slot generation makes a handle stale as soon as its
/// connection closes; the server generation keeps a destroyed server's handles from reaching the
/// connections of a newer server in the same table entry (whose slots start over).
/// </summary>
internal static class ConnectionHandle
{
    public const int MaxServers = 64;
    public const int MaxLoops = 64;
    public const int MaxSlots = 1 << 20;
    public const uint GenerationMask = (1 << 24) - 1;

    public static ulong Pack(int server, int serverGeneration, int loop, ulong token) =>
        ((ulong)server << 58) | ((ulong)(serverGeneration & 0xFF) << 50) | ((ulong)loop << 44)
        | ((ulong)(uint)token << 24) | ((token >> 32) & GenerationMask);

    public static (int Server, int ServerGeneration, int Loop, uint Slot, uint Generation) Unpack(ulong handle) =>
        ((int)(handle >> 58), (int)((handle >> 50) & 0xFF), (int)((handle >> 44) & 63),
         (uint)((handle >> 24) & (MaxSlots - 1)), (uint)(handle & GenerationMask));
}
