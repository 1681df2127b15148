using System.IO;
using Xunit;

namespace Reactor.Tests.Infrastructure;

/// <summary>Command-line tools the tests run as users would; a missing one fails the test naming its apt package (.ci/run installs them).</summary>
public static class Tools
{
    /// <summary>The path of <paramref name="name"/> on PATH; fails naming <paramref name="aptPackage"/> when it is missing.</summary>
    public static string Require(string name, string aptPackage)
    {
        foreach (string dir in (System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            string path = Path.Combine(dir, name);
            if (File.Exists(path)) return path;
        }
        Assert.Fail($"{name} is not installed: apt-get install {aptPackage}");
        return name;
    }
}
