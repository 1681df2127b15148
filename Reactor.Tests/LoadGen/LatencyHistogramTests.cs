using System;
using Reactor.LoadGen;
using Xunit;

namespace Reactor.Tests.LoadGen;

public class LatencyHistogramTests
{
    [Fact]
    public void SmallValues_AreExact()
    {
        var h = new LatencyHistogram();
        for (int v = 1; v <= 50; v++) h.Record(v);
        Assert.Equal(25, h.Percentile(0.5));
        Assert.Equal(50, h.Percentile(0.99));
        Assert.Equal(50, h.Max);
        Assert.Equal(50, h.Count);
    }

    [Fact]
    public void UniformValues_PercentilesWithinThreePercent()
    {
        var h = new LatencyHistogram();
        for (int v = 1; v <= 1_000_000; v++) h.Record(v);
        foreach (double q in new[] { 0.5, 0.9, 0.99, 0.999 })
        {
            long exact = (long)(q * 1_000_000);
            long reported = h.Percentile(q);
            Assert.InRange(reported, exact, (long)(exact * 1.035));   // the top of the bucket: never below
        }
        Assert.Equal(1_000_000, h.Percentile(1));
    }

    [Fact]
    public void Add_MergesCountsAndMax()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        for (int i = 0; i < 900; i++) a.Record(10);
        for (int i = 0; i < 100; i++) b.Record(5000);
        a.Add(b);
        Assert.Equal(1000, a.Count);
        Assert.Equal(10, a.Percentile(0.9));
        Assert.InRange(a.Percentile(0.95), 5000, 5000 * 1.035);
        Assert.Equal(5000, a.Max);
    }

    [Fact]
    public void HugeAndNegativeValues_AreClampedNotLost()
    {
        var h = new LatencyHistogram();
        h.Record(-5);
        h.Record(long.MaxValue / 2);
        Assert.Equal(2, h.Count);
        Assert.Equal(0, h.Percentile(0.5));
        Assert.Equal(long.MaxValue / 2, h.Percentile(1));
    }
}
