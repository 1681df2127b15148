using System;
using Xunit;

namespace Reactor.Tests.Loop;

public class LoopStatsTests
{
    [Fact]
    public void CloseReasonCount_CoversEveryCloseReason()
    {
        CloseReason[] reasons = Enum.GetValues<CloseReason>();
        Assert.Equal(LoopStats.CloseReasonCount, reasons.Length);
        var stats = new LoopStats();
        foreach (CloseReason reason in reasons) stats.CountClose(reason);
        foreach (CloseReason reason in reasons) Assert.Equal(1, stats.Closed(reason));
    }
}
