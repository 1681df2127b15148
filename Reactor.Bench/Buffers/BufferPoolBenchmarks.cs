using BenchmarkDotNet.Attributes;
using Reactor.Buffers;

namespace Reactor.Bench.Buffers;

/// <summary>Rent and return on the loop's pool, against the managed ArrayPool as the baseline.</summary>
[MemoryDiagnoser]
public unsafe class BufferPoolBenchmarks
{
    private BufferPool _pool = null!;

    [Params(16 * 1024)]
    public int ChunkSize;

    [GlobalSetup]
    public void Setup() => _pool = new BufferPool(ChunkSize, 64, 1, 1);

    [GlobalCleanup]
    public void Cleanup() => _pool.Dispose();

    [Benchmark(Baseline = true)]
    public void ArrayPool_RentReturn()
    {
        byte[] a = System.Buffers.ArrayPool<byte>.Shared.Rent(ChunkSize);
        System.Buffers.ArrayPool<byte>.Shared.Return(a);
    }

    [Benchmark]
    public void BufferPool_RentReturn()
    {
        byte* chunk = _pool.Rent();
        _pool.Return(chunk);
    }
}
