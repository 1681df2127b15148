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

    [Fact]
    public void RentBlock_AfterReturn_KeepsTheLargestBlockForTheNext()
    {
        using var pool = new BufferPool(1024, 4, 1, 64);   // a budget of 256 KiB
        byte* small = pool.RentBlock(10_000, out int smallCapacity);
        byte* large = pool.RentBlock(50_000, out int largeCapacity);
        Assert.Equal((10_000, 50_000), (smallCapacity, largeCapacity));
        Assert.Equal(60_000, pool.BlockBytes);
        pool.ReturnBlock(large, largeCapacity);
        pool.ReturnBlock(small, smallCapacity);   // smaller than the kept one: freed
        Assert.Equal(0, pool.BlockBytes);

        // The kept block serves any request it covers, with its real size.
        byte* again = pool.RentBlock(20_000, out int capacity);
        Assert.True(again == large);
        Assert.Equal(50_000, capacity);
        new Span<byte>(again, capacity).Fill(7);
        pool.ReturnBlock(again, capacity);
    }

    [Fact]
    public void RentBlock_BeyondBudget_ReturnsNullAndTheKeptBlockYieldsToSlabs()
    {
        using var pool = new BufferPool(1024, 4, 1, 4);   // a budget of 16 KiB, 4 KiB of it slabs
        Assert.True(pool.RentBlock(13_000, out _) == null);
        byte* block = pool.RentBlock(12_000, out int capacity);
        Assert.True(block != null);
        pool.ReturnBlock(block, capacity);   // kept: 4 KiB slab + 12 KiB kept fill the budget

        // More chunks are wanted than the first slab holds: the kept block is freed to make room.
        for (int i = 0; i < 8; i++) Assert.True(pool.Rent() != null);
        Assert.Equal(8, pool.TotalChunks);
        Assert.True(pool.RentBlock(12_000, out _) == null, "the budget is spent on slabs now");
    }

    [Fact]
    public void Trim_ChunksUnusedForAWholeInterval_PagesGivenBackThenLentAgain()
    {
        using var pool = new BufferPool(chunkSize: 4096, chunksPerSlab: 64, initialSlabs: 1, maxSlabs: 4);
        var chunks = new nint[100];   // past the first slab: the pool grows to two
        for (int i = 0; i < chunks.Length; i++)
        {
            chunks[i] = (nint)pool.Rent();
            new Span<byte>((void*)chunks[i], 4096).Fill(0xAB);
        }
        foreach (nint c in chunks) pool.Return((byte*)c);
        Assert.True(pool.TrimPending);

        // The first trim sees them used since the last one (only the 28 chunks of the second slab
        // never lent count as given back: never touched, never resident); the second gives them back.
        Assert.True(pool.Trim());
        Assert.Equal(28, pool.ReleasedChunks);
        Assert.False(pool.Trim());
        Assert.Equal(128, pool.ReleasedChunks);
        // MADV_DONTNEED dropped the pages: they read as zeros now.
        foreach (nint c in chunks) Assert.True(new Span<byte>((void*)c, 4096).IndexOfAnyExcept((byte)0) < 0, "a given-back chunk kept its bytes");

        byte* again = pool.Rent();
        new Span<byte>(again, 4096).Fill(7);
        Assert.Equal(2, pool.TotalChunks / 64);
        pool.Return(again);
    }

    [Fact]
    public void Trim_HotChunksAtTheTopOfTheStack_KeptWhileColdOnesGoBack()
    {
        using var pool = new BufferPool(4096, 64, 1, 1);
        var burst = new nint[64];
        for (int i = 0; i < 64; i++) burst[i] = (nint)pool.Rent();
        foreach (nint c in burst) pool.Return((byte*)c);
        pool.Trim();
        // Between trims a connection keeps renting and returning 4 chunks: those stay warm.
        for (int round = 0; round < 3; round++)
        {
            var hot = new nint[4];
            for (int i = 0; i < 4; i++) hot[i] = (nint)pool.Rent();
            foreach (nint c in hot) pool.Return((byte*)c);
            Assert.True(pool.Trim());
            Assert.Equal(60, pool.ReleasedChunks);
        }
    }

    [Fact]
    public void Return_AfterEverythingWasGivenBack_AsksForATrimAgain()
    {
        using var pool = new BufferPool(4096, 16, 1, 1);
        int asked = 0;
        pool.TrimNeeded = () => asked++;
        byte* held = pool.Rent();
        byte* brief = pool.Rent();
        pool.Return(brief);
        Assert.Equal(1, asked);
        Assert.True(pool.Trim());
        Assert.False(pool.Trim());   // every free chunk given back; one is still lent
        Assert.Equal(15, pool.ReleasedChunks);

        new Span<byte>(held, 4096).Fill(1);
        pool.Return(held);   // it comes back dirty: the pool must be trimmed again
        Assert.Equal(2, asked);
        Assert.True(pool.TrimPending);
        Assert.True(pool.Trim());
        Assert.False(pool.Trim());
        Assert.Equal(16, pool.ReleasedChunks);
    }

    [Fact]
    public void Trim_KeptBlockUntakenThroughTwoTrims_Freed()
    {
        using var pool = new BufferPool(1024, 4, 1, 64);
        byte* block = pool.RentBlock(50_000, out int capacity);
        pool.ReturnBlock(block, capacity);
        Assert.True(pool.TrimPending);
        Assert.True(pool.Trim());
        Assert.True(pool.RentBlock(40_000, out _) == block, "one trim must not free the kept block");
        pool.ReturnBlock(block, capacity);
        Assert.True(pool.Trim());
        Assert.False(pool.Trim());
        // Freed: the next block is a new allocation, sized as asked.
        byte* next = pool.RentBlock(40_000, out int nextCapacity);
        Assert.Equal(40_000, nextCapacity);
        pool.ReturnBlock(next, nextCapacity);
    }
}
