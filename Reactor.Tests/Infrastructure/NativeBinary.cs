using System;
using System.Diagnostics;
using System.IO;
using Xunit;

namespace Reactor.Tests.Infrastructure;

/// <summary>
/// The published NativeAOT <c>reactor</c> executable (artifacts/bin/reactor, made by ./build.sh).
/// Its absence is a failure, not a skip: the native binary is the product.
/// </summary>
public static class NativeBinary
{
    public static string RepoRoot
    {
        get
        {
            string? dir = AppContext.BaseDirectory;
            while (dir is not null && !File.Exists(Path.Combine(dir, "Reactor.sln"))) dir = Path.GetDirectoryName(dir);
            return dir ?? throw new InvalidOperationException("Reactor.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string Path_ => Artifact("reactor");

    /// <summary>A program ./build.sh puts in artifacts/bin (reactor, the C example, the C ABI test).</summary>
    public static string Artifact(string name)
    {
        string path = Path.Combine(RepoRoot, "artifacts", "bin", name);
        Assert.True(File.Exists(path), $"{path} is missing: run ./build.sh (it publishes the native programs) before the tests");
        return path;
    }

    /// <summary>Runs reactor to completion and returns exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args) => RunProgram(Path_, args);

    /// <summary>
    /// The full path of a tool a test drives (a real client such as sockperf), or a failure that
    /// names the apt package to install (.ci/run installs every one of them).
    /// </summary>
    public static string Tool(string name, string aptPackage)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            string path = System.IO.Path.Combine(dir, name);
            if (File.Exists(path)) return path;
        }
        Assert.Fail($"{name} is not installed: apt-get install {aptPackage}");
        return name;
    }

    /// <summary>Runs <paramref name="path"/> to completion (at most <paramref name="timeoutMs"/>) and returns exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) RunProgram(string path, string[] args, int timeoutMs = 10_000)
    {
        using Process p = Start(path, args);
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            Assert.Fail($"{Path.GetFileName(path)} did not exit within {timeoutMs} ms");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static Process Start(string path, string[] args)
    {
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }
}
