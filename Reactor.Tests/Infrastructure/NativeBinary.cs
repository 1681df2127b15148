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

    public static string Path_
    {
        get
        {
            string path = Path.Combine(RepoRoot, "artifacts", "bin", "reactor");
            Assert.True(File.Exists(path), $"{path} is missing: run ./build.sh (it publishes the native binary) before the tests");
            return path;
        }
    }

    /// <summary>Runs the binary to completion and returns exit code, stdout and stderr.</summary>
    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args)
    {
        using Process p = Start(args);
        string stdout = p.StandardOutput.ReadToEnd();
        string stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(10_000), "reactor did not exit within 10 s");
        return (p.ExitCode, stdout, stderr);
    }

    private static Process Start(string[] args)
    {
        var info = new ProcessStartInfo(Path_)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }
}
