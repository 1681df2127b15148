using System;
using System.Linq;
using System.Net;
using Reactor.Protocols.Proxy;
using Xunit;

namespace Reactor.Tests.Protocols.Proxy;

/// <summary>The balancing modes' choices, without sockets: many picks, counted per backend.</summary>
public class LoadBalancerTests
{
    private static LoadBalancer Balancer(BalanceMode mode, params int[] weights) => new(new ProxyOptions
    {
        Backends = weights.Select((w, i) => new Backend(new IPEndPoint(IPAddress.Loopback, 9000 + i), w)).ToArray(),
        Balance = mode,
        CheckInterval = TimeSpan.Zero,
    });

    /// <summary>Picks <paramref name="count"/> times, releasing each pick at once, and counts per backend.</summary>
    private static int[] Count(LoadBalancer balancer, int count, Func<int, IPAddress?>? client = null)
    {
        var counts = new int[balancer.Backends.Count];
        for (int i = 0; i < count; i++)
        {
            Backend b = balancer.Pick(client?.Invoke(i), 0)!;
            counts[b.Index]++;
            b.Released();
        }
        return counts;
    }

    [Fact]
    public void Weighted_OneTwoThree_SixThousandPicksWithinFivePercent()
    {
        int[] counts = Count(Balancer(BalanceMode.Weighted, 1, 2, 3), 6000);
        Assert.InRange(counts[0], 950, 1050);
        Assert.InRange(counts[1], 1900, 2100);
        Assert.InRange(counts[2], 2850, 3150);
    }

    [Fact]
    public void Weighted_FiveOneOne_Interleaved()
    {
        // Smooth: the heavy backend's picks are spread through the cycle, not given in one run.
        LoadBalancer balancer = Balancer(BalanceMode.Weighted, 5, 1, 1);
        int[] order = Enumerable.Range(0, 7).Select(_ => balancer.Pick(null, 0)!.Index).ToArray();
        Assert.Equal([0, 0, 1, 0, 2, 0, 0], order);
    }

    [Fact]
    public void Random_OneTwoThree_SixThousandPicksInProportion()
    {
        // Binomial: the standard deviation of the 1/6 share over 6,000 picks is 29; 6 of them is 174.
        int[] counts = Count(Balancer(BalanceMode.Random, 1, 2, 3), 6000);
        Assert.InRange(counts[0], 1000 - 174, 1000 + 174);
        Assert.InRange(counts[1], 2000 - 219, 2000 + 219);
        Assert.InRange(counts[2], 3000 - 233, 3000 + 233);
    }

    [Fact]
    public void RoundRobin_WeightsIgnored_ExactRotation()
    {
        LoadBalancer balancer = Balancer(BalanceMode.RoundRobin, 1, 5, 1);
        Assert.Equal([0, 1, 2, 0, 1, 2], Enumerable.Range(0, 6).Select(_ => balancer.Pick(null, 0)!.Index));
    }

    [Fact]
    public void Source_SameAddress_SameBackendAndAddressesSpread()
    {
        LoadBalancer balancer = Balancer(BalanceMode.Source, 1, 1, 1);
        IPAddress one = IPAddress.Parse("10.1.2.3");
        Assert.Single(Count(balancer, 100, _ => one), c => c > 0);
        int[] spread = Count(balancer, 3000, i => new IPAddress(BitConverter.GetBytes(0x0A000000 + i * 7919)));
        Assert.All(spread, c => Assert.InRange(c, 700, 1300));
    }

    [Fact]
    public void LeastConnections_NewClientGoesToTheBackendWithFewestActive()
    {
        LoadBalancer balancer = Balancer(BalanceMode.LeastConnections, 1, 1, 1);
        Backend[] held = Enumerable.Range(0, 6).Select(_ => balancer.Pick(null, 0)!).ToArray();
        Assert.All(balancer.Backends, b => Assert.Equal(2, b.Active));
        held.First(b => b.Index == 1).Released();
        Assert.Equal(1, balancer.Pick(null, 0)!.Index);
        Assert.Equal(2, balancer.Backends[1].Active);
    }

    [Fact]
    public void Pick_DownAndTriedBackendsSkipped_NullWhenNoneLeft()
    {
        LoadBalancer balancer = Balancer(BalanceMode.RoundRobin, 1, 1, 1);
        for (int i = 0; i < 3; i++) balancer.Backends[0].Failed(fall: 3);
        Assert.False(balancer.Backends[0].IsUp);
        Assert.All(Enumerable.Range(0, 10), _ => Assert.NotEqual(0, balancer.Pick(null, 0)!.Index));
        Assert.Equal(2, balancer.Pick(null, tried: 1UL << 1)!.Index);
        Assert.Null(balancer.Pick(null, tried: (1UL << 1) | (1UL << 2)));
        balancer.Backends[0].CheckPassed(rise: 2);
        Assert.False(balancer.Backends[0].IsUp);
        balancer.Backends[0].CheckPassed(rise: 2);
        Assert.True(balancer.Backends[0].IsUp);
    }
}
