using System;
using Reactor.Interop;
using static Reactor.Interop.Libc;

namespace Reactor.Platform;

/// <summary>
/// systemd's socket activation protocol (sd_listen_fds(3)): a supervisor binds the listening
/// sockets and starts the server with them as fds 3, 4, ... and LISTEN_FDS=N, LISTEN_PID=its pid.
/// The server serves them instead of binding, so the port is never closed while servers come
/// and go: a new process started on the same sockets accepts what an old one leaves in the queue.
/// </summary>
public static class SocketActivation
{
    /// <summary>The first inherited fd (SD_LISTEN_FDS_START).</summary>
    public const int FirstFd = 3;

    /// <summary>
    /// The listening sockets this process was started with, made nonblocking and close-on-exec;
    /// empty when LISTEN_FDS is unset or LISTEN_PID names another process (the variables were
    /// meant for a parent). The variables are removed, so processes this one starts do not take
    /// the sockets for theirs. Throws <see cref="ReactorException"/> when an inherited fd is not a
    /// listening socket.
    /// </summary>
    public static int[] TakeListenFds()
    {
        string? pid = Environment.GetEnvironmentVariable("LISTEN_PID");
        string? count = Environment.GetEnvironmentVariable("LISTEN_FDS");
        // Only when one is set: the first SetEnvironmentVariable copies the whole environment,
        // 0.1 ms of every start-up.
        if (pid is not null || count is not null || Environment.GetEnvironmentVariable("LISTEN_FDNAMES") is not null)
        {
            Environment.SetEnvironmentVariable("LISTEN_PID", null);
            Environment.SetEnvironmentVariable("LISTEN_FDS", null);
            Environment.SetEnvironmentVariable("LISTEN_FDNAMES", null);
        }
        if (pid is null || count is null || !int.TryParse(pid, out int forPid) || forPid != Environment.ProcessId) return [];
        if (!int.TryParse(count, out int n) || n is < 1 or > 1024)
            throw new ReactorException($"LISTEN_FDS={count}: not a number of inherited sockets");
        var fds = new int[n];
        for (int i = 0; i < n; i++)
        {
            int fd = FirstFd + i;
            fds[i] = fd;
            int flags = Sys.ThrowIfError(Sys.Check(fcntl(fd, F_GETFL, 0)), $"fcntl(F_GETFL) on inherited fd {fd}");
            Sys.ThrowIfError(Sys.Check(fcntl(fd, F_SETFL, flags | OsConstants.Current.O_NONBLOCK)), $"fcntl(F_SETFL,O_NONBLOCK) on inherited fd {fd}");
            Sys.ThrowIfError(Sys.Check(fcntl(fd, F_SETFD, FD_CLOEXEC)), $"fcntl(F_SETFD,FD_CLOEXEC) on inherited fd {fd}");
            if (!Sockets.IsListening(fd)) throw new ReactorException($"inherited fd {fd} (LISTEN_FDS={n}) is not a listening socket");
        }
        return fds;
    }
}
