using System;
using Reactor.Buffers;
using Reactor.Interop;
using Xunit;

namespace Reactor.Tests.Buffers;

public unsafe class ChunkQueueTests
{
    [Fact]
    public void AppendGatherConsume_RandomSizes_PreservesBytesAndReturnsChunks()
    {
        using var pool = new BufferPool(1024, 8, 1, 64);
        var queue = new ChunkQueue();
        var random = new Random(42);
        var expected = new System.Collections.Generic.List<byte>();
        var drained = new System.Collections.Generic.List<byte>();
        Libc.iovec* iov = stackalloc Libc.iovec[16];
        for (int round = 0; round < 500; round++)
        {
            var data = new byte[random.Next(0, 5000)];
            random.NextBytes(data);
            Assert.True(queue.Append(data, pool));
            expected.AddRange(data);

            int count = queue.Gather(iov, 16);
            long available = 0;
            for (int i = 0; i < count; i++) available += iov[i].iov_len;
            long take = Math.Min(available, random.Next(0, 6000));
            long left = take;
            for (int i = 0; i < count && left > 0; i++)
            {
                int n = (int)Math.Min(left, iov[i].iov_len);
                drained.AddRange(new ReadOnlySpan<byte>(iov[i].iov_base, n).ToArray());
                left -= n;
            }
            queue.Consume(take, pool);
            Assert.Equal(expected.Count - drained.Count, queue.Length);
        }
        queue.Clear(pool);
        Assert.Equal(0, pool.RentedChunks);
        Assert.Equal(expected.GetRange(0, drained.Count), drained);
    }

    [Fact]
    public void Append_PoolExhausted_ReturnsFalseKeepsWhatFit()
    {
        using var pool = new BufferPool(1024, 2, 1, 1);
        var queue = new ChunkQueue();
        Assert.False(queue.Append(new byte[3000], pool));
        Assert.Equal(2048, queue.Length);
        queue.Clear(pool);
        Assert.Equal(0, pool.RentedChunks);
    }
}
