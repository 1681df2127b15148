using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using Reactor.Platform;

namespace Reactor.Cli;

/// <summary>
/// Parses <c>--name value</c>, <c>--name=value</c> and bare <c>--switch</c> flags. Every value is
/// checked when read, and a malformed one is a <see cref="UsageException"/> naming the flag.
/// A command declares its flags up front, so an unknown one is named as such. A flag may be given
/// once, unless it was declared repeatable (<c>--backend A --backend B</c>); <see cref="All"/> reads those.
/// </summary>
internal sealed class Flags
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _repeated = new(StringComparer.Ordinal);

    /// <param name="args">The arguments after the command name.</param>
    /// <param name="valued">Flags that take a value.</param>
    /// <param name="switches">Flags that take none.</param>
    /// <param name="repeatable">Valued flags that may be given more than once.</param>
    public Flags(ReadOnlySpan<string> args, IReadOnlySet<string> valued, IReadOnlySet<string> switches, IReadOnlySet<string>? repeatable = null)
    {
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                throw new UsageException($"unexpected argument '{arg}'");
            string name = arg[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0)
            {
                value = name[(eq + 1)..];
                name = name[..eq];
            }
            if (switches.Contains(name))
            {
                if (value is not null) throw new UsageException($"--{name} takes no value");
            }
            else if (!valued.Contains(name))
            {
                throw new UsageException($"unknown flag --{name}");
            }
            else if (value is null)
            {
                if (i + 1 >= args.Length) throw new UsageException($"--{name} needs a value");
                value = args[++i];
            }
            if (repeatable is not null && repeatable.Contains(name))
            {
                if (!_repeated.TryGetValue(name, out List<string>? list)) _repeated[name] = list = [];
                list.Add(value!);
            }
            else if (!_values.TryAdd(name, value))
            {
                throw new UsageException($"--{name} given twice");
            }
        }
    }

    /// <summary>Every value of a repeatable flag, in the order given; empty when it was not given.</summary>
    public IReadOnlyList<string> All(string name) => _repeated.TryGetValue(name, out List<string>? list) ? list : [];

    public bool Switch(string name) => _values.ContainsKey(name);

    public string? String(string name)
    {
        return _values.TryGetValue(name, out string? value) ? value : null;
    }

    public int Int(string name, int fallback, int min, int max)
    {
        string? text = String(name);
        if (text is null) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < min || value > max)
            throw new UsageException($"--{name} must be a whole number from {min} to {max}, not '{text}'");
        return value;
    }

    public IPAddress Address(string name, IPAddress fallback)
    {
        string? text = String(name);
        if (text is null) return fallback;
        if (!Sockets.TryParseAddress(text, out IPAddress? address))
            throw new UsageException($"--{name} must be an IPv4 or IPv6 address or localhost, not '{text}'");
        return address;
    }

    /// <summary>A size: plain bytes or with a suffix KiB, MiB, GiB (also K, M, G, KB, MB, GB as powers of 1024).</summary>
    public long Size(string name, long fallback, long min, long max)
    {
        string? text = String(name);
        if (text is null) return fallback;
        if (!TryParseSize(text, out long value) || value < min || value > max)
            throw new UsageException($"--{name} must be a size such as 65536, 64KiB or 1MiB between {min} and {max} bytes, not '{text}'");
        return value;
    }

    /// <summary>A duration with a unit: 500ms, 2s, 1m, 1h.</summary>
    public TimeSpan Duration(string name, TimeSpan fallback)
    {
        string? text = String(name);
        if (text is null) return fallback;
        if (!TryParseDuration(text, out TimeSpan value))
            throw new UsageException($"--{name} must be a duration such as 500ms, 2s or 1m, not '{text}'");
        return value;
    }

    internal static bool TryParseSize(string text, out long value)
    {
        value = 0;
        int split = 0;
        while (split < text.Length && char.IsAsciiDigit(text[split])) split++;
        if (split == 0 || !long.TryParse(text.AsSpan(0, split), NumberStyles.None, CultureInfo.InvariantCulture, out long number)) return false;
        long unit = text[split..].ToLowerInvariant() switch
        {
            "" or "b" => 1,
            "k" or "kb" or "kib" => 1L << 10,
            "m" or "mb" or "mib" => 1L << 20,
            "g" or "gb" or "gib" => 1L << 30,
            _ => 0,
        };
        if (unit == 0 || number > long.MaxValue / unit) return false;
        value = number * unit;
        return true;
    }

    internal static bool TryParseDuration(string text, out TimeSpan value)
    {
        value = default;
        int split = 0;
        while (split < text.Length && char.IsAsciiDigit(text[split])) split++;
        if (split == 0 || !long.TryParse(text.AsSpan(0, split), NumberStyles.None, CultureInfo.InvariantCulture, out long number)) return false;
        long ms = text[split..] switch
        {
            "ms" => 1,
            "s" => 1000,
            "m" => 60_000,
            "h" => 3_600_000,
            _ => 0,
        };
        if (ms == 0 || number > int.MaxValue / ms) return false;
        value = TimeSpan.FromMilliseconds(number * ms);
        return true;
    }
}
