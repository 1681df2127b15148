using System.IO;
using System.Runtime.InteropServices;

namespace Reactor.Tests.Infrastructure;

/// <summary>CPU time of processes and threads, from /proc.</summary>
public static partial class ProcCpu
{
    /// <summary>The kernel's id of the calling thread.</summary>
    public static int CurrentThreadId() => gettid();

    /// <summary>User plus system CPU seconds of thread <paramref name="tid"/> of this process.</summary>
    public static double ThreadSeconds(int tid) => Seconds($"/proc/self/task/{tid}/stat");

    /// <summary>User plus system CPU seconds of process <paramref name="pid"/>.</summary>
    public static double ProcessSeconds(int pid) => Seconds($"/proc/{pid}/stat");

    private static double Seconds(string statPath)
    {
        string stat = File.ReadAllText(statPath);
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // After the command name: field 3 is the state, so utime (14) and stime (15) are at 11 and 12.
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / (double)sysconf(_SC_CLK_TCK);
    }

    private const int _SC_CLK_TCK = 2;

    [LibraryImport("libc")]
    private static partial long sysconf(int name);

    [LibraryImport("libc")]
    private static partial int gettid();
}
