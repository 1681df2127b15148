using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Reactor.Backends;
using Reactor.Tests.Infrastructure;
using Xunit;

namespace Reactor.Tests.EndToEnd;

/// <summary>
/// <c>--backend io_uring</c> on the native binary: the loops run on io_uring where this kernel
/// allows it, and fall back to epoll with one line on stderr where it does not.
/// </summary>
public class NativeBackendTests
{
    [Fact]
    public async Task IoUring_TwoLoops_ListeningLineNamesWhatRunsAndEchoes()
    {
        // What this kernel says to io_uring, asked the same way the server asks it.
        bool available = IoUringPoller.TryCreate(64, 16 << 10, out IoUringPoller? probe, out string? refusal);
        probe?.Dispose();
        using var server = new NativeServer(["echo", "--threads", "2", "--backend", "io_uring"]);
        await server.AssertEchoesAsync(16, 256 << 10);
        if (available)
        {
            Assert.EndsWith("(2 loops, io_uring)", server.Listening);
            Assert.DoesNotContain(server.StderrLines, l => l.Contains("io_uring is not available"));
        }
        else
        {
            Assert.EndsWith("(2 loops, epoll)", server.Listening);
            Assert.Contains($"reactor: io_uring is not available ({refusal}); using epoll", server.StderrLines);
        }
        Assert.Equal(0, server.Terminate());
    }

    [Fact]
    public async Task IoUring_KernelRefusesIt_FallsBackToEpollWithOneLineAndServes()
    {
        // strace makes io_uring_setup fail as a kernel without io_uring (or a seccomp filter) would.
        string strace = Tools.Require("strace", "strace");
        using var traced = new NativeServer(
            ["-f", "-qq", "-o", "/dev/null", "-e", "inject=io_uring_setup:error=ENOSYS", NativeBinary.Path_,
             "echo", "--threads", "2", "--backend", "io_uring"],
            executable: strace);
        int reactorPid = int.Parse(File.ReadAllText($"/proc/{traced.Pid}/task/{traced.Pid}/children").Split(' ')[0]);
        try
        {
            await traced.AssertEchoesAsync(8, 64 << 10);
            Assert.EndsWith("(2 loops, epoll)", traced.Listening);
            // Once for the process, not once per loop.
            Assert.Equal(["reactor: io_uring is not available (io_uring_setup: Function not implemented); using epoll"],
                traced.StderrLines.Where(l => l.Contains("io_uring")));
            NativeServer.SendSigterm(reactorPid);
            Assert.Equal(0, traced.WaitForExit());
        }
        finally
        {
            // Killing strace would leave the server running, detached.
            if (Directory.Exists($"/proc/{reactorPid}")) NativeServer.Kill(reactorPid);
        }
    }

    [Fact]
    public void ReactorBackendVariable_NamesNoBackend_ExitsTwoSayingWhich()
    {
        var (code, _, stderr) = NativeBinary.RunProgram("/usr/bin/env", ["REACTOR_BACKEND=uring", NativeBinary.Path_, "echo", "--port", "0"]);
        Assert.Equal(2, code);
        Assert.Equal("reactor: REACTOR_BACKEND is 'uring': it must be epoll or io_uring", stderr.Trim());
    }
}
