using System;

namespace Reactor.Platform;

/// <summary>The Linux-only features: one message for each, thrown where the feature starts.</summary>
internal static class Unsupported
{
    /// <summary>Throws <see cref="PlatformNotSupportedException"/> naming <paramref name="feature"/> when not on Linux.</summary>
    public static void IfNotLinux(string feature, string why)
    {
        if (!OperatingSystem.IsLinux()) throw new PlatformNotSupportedException($"{feature}: Linux only in Reactor ({why}).");
    }
}
