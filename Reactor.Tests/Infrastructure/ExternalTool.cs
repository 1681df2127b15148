using System;
using System.IO;
using Xunit;

namespace Reactor.Tests.Infrastructure;

/// <summary>Programs some tests run (redis-cli, redis-server): found on PATH, or the test fails naming the apt package that provides them (.ci/run installs them).</summary>
public static class ExternalTool
{
    public static string Require(string program, string aptPackage)
    {
        string? path = Find(program);
        Assert.True(path is not null, $"{program} is not installed: apt-get install {aptPackage}");
        return path!;
    }

    public static string? Find(string program)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':'))
        {
            string candidate = Path.Combine(dir, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }
}
