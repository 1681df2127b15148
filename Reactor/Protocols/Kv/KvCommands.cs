using System;
using System.Collections.Generic;

namespace Reactor.Protocols.Kv;

/// <summary>
/// The commands of <c>reactor kv</c>: a table by name, redis's arity rule, and one method per
/// command (in the partial files by data type). Replies and errors are redis 7's, byte for byte.
/// Each command holds the locks of the shards it touches for its whole run, replies included,
/// so it is atomic with respect to every other command on every loop.
/// </summary>
internal static partial class KvCommands
{
    private delegate void Implementation(in Request request);

    /// <param name="Name">Lower case, as redis names it in errors.</param>
    /// <param name="Arity">redis's rule: positive, exactly that many arguments (name included); negative, at least minus that.</param>
    /// <param name="Run">The implementation, called once the arity is right.</param>
    private sealed record Command(string Name, int Arity, Implementation Run);

    // Every name fits in 8 bytes, so the table is keyed by the upper-cased name packed into a ulong.
    private static readonly Dictionary<ulong, Command> Table = Build(
        new("ping", -1, Ping), new("echo", 2, Echo), new("quit", -1, Quit),
        new("set", -3, Set), new("get", 2, Get), new("incr", 2, Incr), new("decr", 2, Decr),
        new("incrby", 3, IncrBy), new("decrby", 3, DecrBy), new("mget", -2, MGet), new("mset", -3, MSet),
        new("del", -2, Del), new("exists", -2, Exists), new("expire", -3, Expire), new("pexpire", -3, PExpire),
        new("ttl", 2, Ttl), new("pttl", 2, PTtl), new("dbsize", 1, DbSize), new("flushall", -1, FlushAll),
        new("lpush", -3, LPush), new("rpush", -3, RPush), new("lpop", -2, LPop), new("rpop", -2, RPop),
        new("lrange", 4, LRange), new("sadd", -3, SAdd), new("spop", -2, SPop), new("scard", 2, SCard),
        new("hset", -4, HSet), new("hget", 3, HGet), new("config", -2, Config), new("command", -1, CommandCommand));

    /// <summary>Runs the command <paramref name="request"/> holds and queues its reply.</summary>
    public static void Execute(in Request request)
    {
        Span<byte> name = request[0];
        if (!TryPack(name, out ulong packed) || !Table.TryGetValue(packed, out Command? command))
        {
            UnknownCommand(request);
            return;
        }
        if (command.Arity > 0 ? request.Count != command.Arity : request.Count < -command.Arity)
        {
            WrongArity(request.Connection, command.Name);
            return;
        }
        command.Run(request);
    }

    private static Dictionary<ulong, Command> Build(params Command[] commands)
    {
        var table = new Dictionary<ulong, Command>(commands.Length);
        foreach (Command c in commands)
        {
            TryPack(System.Text.Encoding.ASCII.GetBytes(c.Name), out ulong packed);
            table.Add(packed, c);
        }
        return table;
    }

    private static bool TryPack(ReadOnlySpan<byte> name, out ulong packed)
    {
        packed = 0;
        if (name.Length > 8) return false;
        for (int i = 0; i < name.Length; i++)
        {
            byte b = name[i];
            if (b >= 'a' && b <= 'z') b -= 'a' - 'A';
            packed |= (ulong)b << (8 * i);
        }
        return true;
    }

    /// <summary>"-ERR unknown command 'foo', with args beginning with: 'a' 'b' ": at most 128 bytes of the name and about 128 of the arguments, as redis prints.</summary>
    private static void UnknownCommand(in Request request)
    {
        var error = new ErrorReply(request.Connection);
        error.Append("unknown command '");
        error.Append(Cut(request[0], 128));
        error.Append("', with args beginning with: ");
        int argsStart = error.TextLength;
        for (int i = 1; i < request.Count && error.TextLength - argsStart < 128; i++)
        {
            error.Append("'");
            error.Append(Cut(request[i], 128 - (error.TextLength - argsStart - 1)));
            error.Append("' ");
        }
        error.Send();
    }

    private static Span<byte> Cut(Span<byte> bytes, int max) => bytes.Length > max ? bytes[..max] : bytes;

    private static void WrongArity(Connection connection, string name)
    {
        var error = new ErrorReply(connection);
        error.Append("wrong number of arguments for '");
        error.Append(name);
        error.Append("' command");
        error.Send();
    }

    private static void InvalidExpireTime(Connection connection, string name)
    {
        var error = new ErrorReply(connection);
        error.Append("invalid expire time in '");
        error.Append(name);
        error.Append("' command");
        error.Send();
    }

    /// <summary>Case-insensitive comparison with an upper-case ASCII word (an option, a subcommand).</summary>
    private static bool Is(ReadOnlySpan<byte> argument, ReadOnlySpan<byte> upperCaseWord) =>
        System.Text.Ascii.EqualsIgnoreCase(argument, upperCaseWord);

    /// <summary>The single shard that holds <paramref name="key"/>, locked; dispose the scope to unlock.</summary>
    private static System.Threading.Lock.Scope LockShard(in Request request, ReadOnlySpan<byte> key, out Shard shard)
    {
        shard = request.Keyspace[Keyspace.ShardIndex(key)];
        return shard.Gate.EnterScope();
    }

    /// <summary>The shards of arguments first, first + step, … (the keys of a multi-key command), as a mask for <see cref="Keyspace.Enter"/>.</summary>
    private static ulong ShardsOf(in Request request, int first, int step)
    {
        ulong mask = 0;
        for (int i = first; i < request.Count; i += step) mask |= 1UL << Keyspace.ShardIndex(request[i]);
        return mask;
    }

    private static Shard ShardOf(in Request request, ReadOnlySpan<byte> key) => request.Keyspace[Keyspace.ShardIndex(key)];
}
