using System;
using Xunit;

namespace Reactor.Tests.Backends;

/// <summary>How a loop's backend is named: <see cref="ReactorOptions.Backend"/>, REACTOR_BACKEND, --backend.</summary>
public class BackendChoiceTests
{
    [Theory]
    [InlineData(null, LoopBackend.Native)]
    [InlineData("", LoopBackend.Native)]
    [InlineData("epoll", LoopBackend.Native)]
    [InlineData("io_uring", LoopBackend.IoUring)]
    public void ParseBackend_KnownName_ThatBackend(string? name, LoopBackend expected) =>
        Assert.Equal(expected, ReactorOptions.ParseBackend(name, "--backend"));

    [Theory]
    [InlineData("kqueue")]     // not this system's own
    [InlineData("IO_URING")]   // names are exact, as the help spells them
    [InlineData("uring")]
    public void ParseBackend_OtherName_ThrowsNamingTheSourceAndTheChoices(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => ReactorOptions.ParseBackend(name, "REACTOR_BACKEND"));
        Assert.Equal($"REACTOR_BACKEND is '{name}': it must be epoll or io_uring", e.Message);
    }

    [Fact]
    public void Validate_UndefinedBackend_Throws()
    {
        var options = new ReactorOptions { Backend = (LoopBackend)7 };
        Assert.Contains("Backend is 7", Assert.Throws<ArgumentException>(options.Validate).Message);
    }
}
