namespace Reactor.Native;

/// <summary>
/// reactor_conn_t: server index (6 bits) | loop index (6 bits) | slot index (20 bits) | slot
/// generation (32 bits). The generation makes a handle stale as soon as its connection closes.
/// </summary>
internal static class ConnectionHandle
{
    public const int MaxServers = 64;
    public const int MaxLoops = 64;
    public const int MaxSlots = 1 << 20;

    public static ulong Pack(int server, int loop, ulong token) =>
        ((ulong)server << 58) | ((ulong)loop << 52) | ((ulong)(uint)token << 32) | (token >> 32);

    public static (int Server, int Loop, ulong Token) Unpack(ulong handle) =>
        ((int)(handle >> 58), (int)((handle >> 52) & 63), ((handle & 0xFFFF_FFFF) << 32) | ((handle >> 32) & (MaxSlots - 1)));
}
