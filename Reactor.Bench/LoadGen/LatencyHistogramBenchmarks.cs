using BenchmarkDotNet.Attributes;
using Reactor.LoadGen;

namespace Reactor.Bench.LoadGen;

/// <summary>Recording one latency sample, as `reactor bench echo` does per echoed message: 0 B.</summary>
[MemoryDiagnoser]
public class LatencyHistogramBenchmarks
{
    private readonly LatencyHistogram _histogram = new();
    private long _value = 1;

    [Benchmark(OperationsPerInvoke = 1024)]
    public void Record1024()
    {
        long v = _value;
        for (int i = 0; i < 1024; i++)
        {
            _histogram.Record(v & 0xFFFFF);   // spread over 1 µs .. 1 s
            v = v * 6364136223846793005 + 1442695040888963407;
        }
        _value = v;
    }
}
