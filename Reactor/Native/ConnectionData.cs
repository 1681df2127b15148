using System;

namespace Reactor.Native;

/// <summary>
/// The data pointer a C program keeps with each connection (reactor_conn_set_data): one array per
/// loop, indexed by the connection's slot, touched only by that loop's thread, so no lock and
/// nothing stored on <see cref="Connection"/> itself. A slot's entry is cleared when a connection
/// opens in it, so a program never sees the pointer of an earlier connection.
/// </summary>
internal sealed class ConnectionData(int loopCount)
{
    private readonly nint[][] _byLoop = CreateArrays(loopCount);

    private static nint[][] CreateArrays(int count)
    {
        var arrays = new nint[count][];
        for (int i = 0; i < count; i++) arrays[i] = [];
        return arrays;
    }

    public void Clear(Connection connection)
    {
        nint[] data = _byLoop[connection.Loop.Id];
        int slot = SlotOf(connection);
        if (slot < data.Length) data[slot] = 0;
    }

    public nint Get(Connection connection)
    {
        nint[] data = _byLoop[connection.Loop.Id];
        int slot = SlotOf(connection);
        return slot < data.Length ? data[slot] : 0;
    }

    public void Set(Connection connection, nint value)
    {
        ref nint[] data = ref _byLoop[connection.Loop.Id];
        int slot = SlotOf(connection);
        // Grows with the highest slot in use: slots are dense, as a freed slot is reused before a new one is taken.
        if (slot >= data.Length) Array.Resize(ref data, Math.Max(slot + 1, data.Length * 2));
        data[slot] = value;
    }

    private static int SlotOf(Connection connection) => (int)(uint)connection.Token;
}
