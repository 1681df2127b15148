using System;
using System.Runtime.CompilerServices;

namespace Reactor.Protocols.Kv;

internal static partial class KvCommands
{
    [Flags]
    private enum SetOptions
    {
        None = 0,
        Nx = 1,
        Xx = 2,
        Get = 4,
        KeepTtl = 8,
        Ex = 16,
        Px = 32,
        ExAt = 64,
        PxAt = 128,
        AnyExpiry = Ex | Px | ExAt | PxAt,
    }

    /// <summary>GET key</summary>
    private static void Get(in Request request)
    {
        Span<byte> key = request[1];
        using (LockShard(request, key, out Shard shard)) ReplyString(request, ref shard.Find(key, request.Now));
    }

    /// <summary>A string entry's value as a bulk string; nil when missing; WRONGTYPE for another type. Returns false for the wrong type.</summary>
    private static bool ReplyString(in Request request, ref Entry entry)
    {
        if (Unsafe.IsNullRef(ref entry)) RespReply.Raw(request.Connection, RespReply.NullBulk);
        else if (entry.Value is byte[] value) RespReply.Bulk(request.Connection, value);
        else
        {
            RespReply.Raw(request.Connection, RespReply.WrongType);
            return false;
        }
        return true;
    }

    /// <summary>SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-seconds | PXAT unix-milliseconds | KEEPTTL], as t_string.c parses it.</summary>
    private static void Set(in Request request)
    {
        SetOptions options = SetOptions.None;
        int expiryArgument = 0;
        for (int i = 3; i < request.Count; i++)
        {
            Span<byte> option = request[i];
            bool hasNext = i + 1 < request.Count;
            if (Is(option, "NX"u8) && (options & SetOptions.Xx) == 0) options |= SetOptions.Nx;
            else if (Is(option, "XX"u8) && (options & SetOptions.Nx) == 0) options |= SetOptions.Xx;
            else if (Is(option, "GET"u8)) options |= SetOptions.Get;
            else if (Is(option, "KEEPTTL"u8) && (options & SetOptions.AnyExpiry) == 0) options |= SetOptions.KeepTtl;
            // As redis: one kind of expiry (given again, the last one counts), and not with KEEPTTL.
            else if (hasNext && ExpiryOption(option) is SetOptions unit and not SetOptions.None && (options & ((SetOptions.AnyExpiry & ~unit) | SetOptions.KeepTtl)) == 0)
            {
                options |= unit;
                expiryArgument = ++i;
            }
            else
            {
                RespReply.Raw(request.Connection, RespReply.SyntaxError);
                return;
            }
        }
        long expiresAt = 0;
        if (expiryArgument != 0 && !TryExpiry(request, request[expiryArgument], options, out expiresAt)) return;

        Span<byte> key = request[1];
        Span<byte> value = request[2];
        using (LockShard(request, key, out Shard shard))
        {
            ref Entry found = ref shard.Find(key, request.Now);
            if ((options & SetOptions.Get) != 0 && !ReplyString(request, ref found)) return;
            bool exists = !Unsafe.IsNullRef(ref found);
            if (((options & SetOptions.Nx) != 0 && exists) || ((options & SetOptions.Xx) != 0 && !exists))
            {
                if ((options & SetOptions.Get) == 0) RespReply.Raw(request.Connection, RespReply.NullBulk);
                return;
            }
            ref Entry entry = ref shard.FindOrAdd(key, request.Now, out _);
            StoreString(ref entry, value);
            if (expiresAt != 0) shard.Expire(key, ref entry, expiresAt);
            else if ((options & SetOptions.KeepTtl) == 0) shard.Persist(ref entry);
        }
        if ((options & SetOptions.Get) == 0) RespReply.Raw(request.Connection, RespReply.Ok);
    }

    private static SetOptions ExpiryOption(ReadOnlySpan<byte> option) =>
        Is(option, "EX"u8) ? SetOptions.Ex : Is(option, "PX"u8) ? SetOptions.Px :
        Is(option, "EXAT"u8) ? SetOptions.ExAt : Is(option, "PXAT"u8) ? SetOptions.PxAt : SetOptions.None;

    /// <summary>SET's expiry argument as a loop-clock time; replies with redis's error and returns false when it is not a positive integer.</summary>
    private static bool TryExpiry(in Request request, ReadOnlySpan<byte> argument, SetOptions options, out long expiresAt)
    {
        expiresAt = 0;
        if (!RespNumber.TryParse(argument, out long amount))
        {
            RespReply.Raw(request.Connection, RespReply.NotAnInteger);
            return false;
        }
        bool seconds = (options & (SetOptions.Ex | SetOptions.ExAt)) != 0;
        if (amount <= 0 || (seconds && amount > long.MaxValue / 1000))
        {
            InvalidExpireTime(request.Connection, "set");
            return false;
        }
        long milliseconds = seconds ? amount * 1000 : amount;
        // The keyspace runs on the monotonic loop clock: an absolute time becomes one relative to the wall clock now.
        bool absolute = (options & (SetOptions.ExAt | SetOptions.PxAt)) != 0;
        long relative = absolute ? milliseconds - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() : milliseconds;
        if (!absolute && relative > long.MaxValue - request.Now)
        {
            InvalidExpireTime(request.Connection, "set");
            return false;
        }
        // A time already past still counts as an expiry (0 means none): the key is gone at its next access.
        expiresAt = Math.Max(request.Now + relative, 1);
        return true;
    }

    /// <summary>Stores a string value; an old string of the same length is overwritten in place (a steady SET allocates nothing).</summary>
    private static void StoreString(ref Entry entry, ReadOnlySpan<byte> value)
    {
        if (entry.Value is byte[] old && old.Length == value.Length) value.CopyTo(old);
        else entry.Value = value.ToArray();
    }

    /// <summary>INCR key</summary>
    private static void Incr(in Request request) => IncrementBy(request, 1);

    /// <summary>DECR key</summary>
    private static void Decr(in Request request) => IncrementBy(request, -1);

    /// <summary>INCRBY key increment</summary>
    private static void IncrBy(in Request request)
    {
        if (!RespNumber.TryParse(request[2], out long increment)) RespReply.Raw(request.Connection, RespReply.NotAnInteger);
        else IncrementBy(request, increment);
    }

    /// <summary>DECRBY key decrement</summary>
    private static void DecrBy(in Request request)
    {
        if (!RespNumber.TryParse(request[2], out long decrement)) RespReply.Raw(request.Connection, RespReply.NotAnInteger);
        else if (decrement == long.MinValue) RespReply.Raw(request.Connection, RespReply.DecrementOverflow);
        else IncrementBy(request, -decrement);
    }

    private static void IncrementBy(in Request request, long increment)
    {
        Span<byte> key = request[1];
        long value = 0;
        using (LockShard(request, key, out Shard shard))
        {
            ref Entry entry = ref shard.Find(key, request.Now);
            if (!Unsafe.IsNullRef(ref entry))
            {
                if (entry.Value is not byte[] text)
                {
                    RespReply.Raw(request.Connection, RespReply.WrongType);
                    return;
                }
                if (!RespNumber.TryParse(text, out value))
                {
                    RespReply.Raw(request.Connection, RespReply.NotAnInteger);
                    return;
                }
            }
            if ((increment < 0 && value < 0 && increment < long.MinValue - value) ||
                (increment > 0 && value > 0 && increment > long.MaxValue - value))
            {
                RespReply.Raw(request.Connection, RespReply.Overflow);
                return;
            }
            value += increment;
            Span<byte> digits = stackalloc byte[RespNumber.MaxDigits];
            int length = RespNumber.Format(value, digits);
            // The expiry stays, as redis's INCR keeps it.
            if (Unsafe.IsNullRef(ref entry)) entry = ref shard.FindOrAdd(key, request.Now, out _);
            StoreString(ref entry, digits[..length]);
        }
        RespReply.Integer(request.Connection, value);
    }

    /// <summary>MGET key [key ...]: nil for a missing key or one of another type.</summary>
    private static void MGet(in Request request)
    {
        ulong shards = ShardsOf(request, 1, 1);
        request.Keyspace.Enter(shards);
        try
        {
            RespReply.ArrayHeader(request.Connection, request.Count - 1);
            for (int i = 1; i < request.Count; i++)
            {
                ref Entry entry = ref ShardOf(request, request[i]).Find(request[i], request.Now);
                if (!Unsafe.IsNullRef(ref entry) && entry.Value is byte[] value) RespReply.Bulk(request.Connection, value);
                else RespReply.Raw(request.Connection, RespReply.NullBulk);
            }
        }
        finally
        {
            request.Keyspace.Exit(shards);
        }
    }

    /// <summary>MSET key value [key value ...]: all or nothing, seen by other clients at once.</summary>
    private static void MSet(in Request request)
    {
        if (request.Count % 2 == 0)
        {
            WrongArity(request.Connection, "mset");
            return;
        }
        ulong shards = ShardsOf(request, 1, 2);
        request.Keyspace.Enter(shards);
        try
        {
            for (int i = 1; i < request.Count; i += 2)
            {
                Shard shard = ShardOf(request, request[i]);
                ref Entry entry = ref shard.FindOrAdd(request[i], request.Now, out _);
                StoreString(ref entry, request[i + 1]);
                shard.Persist(ref entry);
            }
        }
        finally
        {
            request.Keyspace.Exit(shards);
        }
        RespReply.Raw(request.Connection, RespReply.Ok);
    }
}
