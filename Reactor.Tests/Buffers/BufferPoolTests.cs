using System;
using Reactor.Buffers;
using Xunit;

namespace Reactor.Tests.Buffers;

public unsafe class BufferPoolTests
{
    [Fact]
    public void Rent_BeyondInitialSlab_GrowsBySlab()
    {
        using var pool = new BufferPool(chunkSize: 1024, chunksPerSlab: 4, initialSlabs: 1, maxSlabs: 3);
        Assert.Equal(4, pool.TotalChunks);
        var chunks = new nint[5];
        for (int i = 0; i < 5; i++) chunks[i] = (nint)pool.Rent();
        Assert.Equal(8, pool.TotalChunks);
        Assert.Equal(5, pool.RentedChunks);
        Assert.Equal(5, new System.Collections.Generic.HashSet<nint>(chunks).Count);
        foreach (nint c in chunks) pool.Return((byte*)c);
        Assert.Equal(0, pool.RentedChunks);
    }

    [Fact]
    public void Rent_AtLimit_ReturnsNullAndRecoversAfterReturn()
    {
        using var pool = new BufferPool(1024, 2, 1, 1);
        byte* a = pool.Rent();
        byte* b = pool.Rent();
        Assert.True(a != null && b != null);
        Assert.True(pool.Rent() == null);
        pool.Return(a);
        Assert.True(pool.Rent() == a);
    }

    [Fact]
    public void Chunks_AreWritableAndDisjoint()
    {
        using var pool = new BufferPool(4096, 8, 1, 1);
        var chunks = new nint[8];
        for (int i = 0; i < 8; i++)
        {
            chunks[i] = (nint)pool.Rent();
            new Span<byte>((void*)chunks[i], 4096).Fill((byte)i);
        }
        for (int i = 0; i < 8; i++)
        {
            Assert.True(new Span<byte>((void*)chunks[i], 4096).IndexOfAnyExcept((byte)i) < 0);
        }
    }
}
