using Reactor.Interop;
using Xunit;

namespace Reactor.Tests.Interop;

public class SysTests
{
    [Fact]
    public void ThrowIfError_InterpolatedName_FormattedOnlyOnFailure()
    {
        int formatted = 0;
        string Port() => (++formatted).ToString();

        Assert.Equal(3, Sys.ThrowIfError(3, $"bind 127.0.0.1:{Port()}"));
        Assert.Equal(0, formatted);

        var e = Assert.Throws<ReactorException>(() => Sys.ThrowIfError(-(int)ErrorCode.AddressInUse, $"bind 127.0.0.1:{Port()}"));
        Assert.Equal(1, formatted);
        Assert.Equal(ErrorCode.AddressInUse, e.Error);
        Assert.StartsWith("bind 127.0.0.1:1: ", e.Message);
    }
}
