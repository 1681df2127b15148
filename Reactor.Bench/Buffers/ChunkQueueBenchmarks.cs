using System;
using BenchmarkDotNet.Attributes;
using Reactor.Buffers;
using Reactor.Interop;

namespace Reactor.Bench.Buffers;

/// <summary>
/// The queueing half of a partial write: the bytes the kernel did not take are appended to the
/// connection's chunk queue, gathered into iovecs and consumed once sent. Steady state allocates 0 B.
/// </summary>
[MemoryDiagnoser]
public unsafe class ChunkQueueBenchmarks
{
    private BufferPool _pool = null!;
    private ChunkQueue _queue;
    private byte[] _data = null!;

    [Params(64, 4096, 65536)]
    public int Size;

    [GlobalSetup]
    public void Setup()
    {
        _pool = new BufferPool(16 * 1024, 64, 1, 1);
        _data = new byte[Size];
        // Warm the queue's ring so steady state reuses it.
        _queue.Append(new byte[256 * 1024], _pool);
        _queue.Clear(_pool);
    }

    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    [Benchmark]
    public long AppendGatherConsume()
    {
        _queue.Append(_data, _pool);
        Libc.iovec* iov = stackalloc Libc.iovec[64];
        int n = _queue.Gather(iov, 64);
        long bytes = 0;
        for (int i = 0; i < n; i++) bytes += iov[i].iov_len;
        _queue.Consume(bytes, _pool);
        return bytes;
    }
}
