using Reactor.Backends;
using Reactor.Loop;
using Xunit;

namespace Reactor.Tests.Loop;

public class SlotTableTests
{
    private sealed class Dummy() : Registration(null!, -1)
    {
        internal override void OnReady(in ReadyEvent ready) { }
        internal override void OnLoopStopping() { }
    }

    [Fact]
    public void Get_AfterSlotReused_StaleTokenFindsNothing()
    {
        var table = new SlotTable(2);
        var first = new Dummy();
        ulong oldToken = table.Add(first);
        table.Remove(oldToken);
        var second = new Dummy();
        ulong newToken = table.Add(second);

        Assert.Equal((uint)oldToken, (uint)newToken);   // same slot index
        Assert.NotEqual(oldToken, newToken);            // new generation
        Assert.Null(table.Get(oldToken));
        Assert.Same(second, table.Get(newToken));
    }

    [Fact]
    public void GetMasked_ComparesOnlyTheMaskedGenerationBits()
    {
        var table = new SlotTable(2);
        var item = new Dummy();
        ulong token = table.Add(item);
        uint index = (uint)token, generation = (uint)(token >> 32);
        Assert.Same(item, table.Get(index, generation | 0xFF00_0000, 0x00FF_FFFF));   // high bits ignored
        Assert.Null(table.Get(index, generation + 1, 0x00FF_FFFF));
        Assert.Null(table.Get(index + 1, generation, 0x00FF_FFFF));                  // never issued
        table.Remove(token);
        Assert.Null(table.Get(index, generation, 0x00FF_FFFF));                      // stale
    }

    [Fact]
    public void Add_BeyondCapacity_Grows()
    {
        var table = new SlotTable(1);
        var tokens = new ulong[100];
        var items = new Dummy[100];
        for (int i = 0; i < 100; i++) tokens[i] = table.Add(items[i] = new Dummy());
        Assert.Equal(100, table.Count);
        for (int i = 0; i < 100; i++) Assert.Same(items[i], table.Get(tokens[i]));
        Assert.Null(table.Get(Poller.WakeToken));
    }

    [Fact]
    public void Remove_StaleToken_Throws()
    {
        var table = new SlotTable(4);
        ulong token = table.Add(new Dummy());
        table.Remove(token);
        Assert.Throws<System.InvalidOperationException>(() => table.Remove(token));
    }
}
