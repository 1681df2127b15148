using System;
using System.Runtime.CompilerServices;

namespace Reactor.Protocols.Kv;

internal static partial class KvCommands
{
    /// <summary>LPUSH key element [element ...]: the list's length after.</summary>
    private static void LPush(in Request request) => Push(request, front: true);

    /// <summary>RPUSH key element [element ...]</summary>
    private static void RPush(in Request request) => Push(request, front: false);

    private static void Push(in Request request, bool front)
    {
        Span<byte> key = request[1];
        int length;
        using (LockShard(request, key, out Shard shard))
        {
            if (!TryFindOrCreate(request, shard, key, out KvList list)) return;
            for (int i = 2; i < request.Count; i++)
            {
                if (front) list.PushFront(request[i].ToArray());
                else list.PushBack(request[i].ToArray());
            }
            length = list.Count;
        }
        RespReply.Integer(request.Connection, length);
    }

    private static readonly Func<KvList, byte[]> PopFront = static list => list.PopFront();
    private static readonly Func<KvList, byte[]> PopBack = static list => list.PopBack();
    private static readonly Func<KvSet, byte[]> PopRandom = static set => set.PopRandom();

    /// <summary>LPOP key [count]</summary>
    private static void LPop(in Request request) => PopElements(request, "lpop", RespReply.NullArray, PopFront);

    /// <summary>RPOP key [count]</summary>
    private static void RPop(in Request request) => PopElements(request, "rpop", RespReply.NullArray, PopBack);

    /// <summary>SPOP key [count]</summary>
    private static void SPop(in Request request) => PopElements(request, null, RespReply.EmptyArray, PopRandom);

    /// <summary>
    /// popGenericCommand of t_list.c and spopCommand of t_set.c: one element as a bulk string, or
    /// with a count an array of up to that many; the key goes once its collection is empty. Extra
    /// arguments are an arity error for the list commands (<paramref name="arityName"/>) and a
    /// syntax error for SPOP; a missing key with a count is <paramref name="missingWithCount"/>.
    /// </summary>
    private static void PopElements<T>(in Request request, string? arityName, ReadOnlySpan<byte> missingWithCount, Func<T, byte[]> pop)
        where T : class, ICollectionValue
    {
        if (request.Count > 3)
        {
            if (arityName is null) RespReply.Raw(request.Connection, RespReply.SyntaxError);
            else WrongArity(request.Connection, arityName);
            return;
        }
        bool hasCount = request.Count == 3;
        long count = 0;
        if (hasCount && !TryParseCount(request, request[2], out count)) return;
        Span<byte> key = request[1];
        using (LockShard(request, key, out Shard shard))
        {
            Lookup found = Find(request, shard, key, out T collection);
            if (found != Lookup.Found)
            {
                if (found == Lookup.Missing) RespReply.Raw(request.Connection, hasCount ? missingWithCount : RespReply.NullBulk);
                return;
            }
            if (!hasCount)
            {
                RespReply.Bulk(request.Connection, pop(collection));
            }
            else
            {
                long popped = Math.Min(count, collection.Count);
                RespReply.ArrayHeader(request.Connection, popped);
                for (long i = 0; i < popped; i++) RespReply.Bulk(request.Connection, pop(collection));
            }
            if (collection.Count == 0) shard.Remove(key);
        }
    }

    /// <summary>LRANGE key start stop: negative indexes count from the end; out-of-range ones are clamped.</summary>
    private static void LRange(in Request request)
    {
        if (!RespNumber.TryParse(request[2], out long start) || !RespNumber.TryParse(request[3], out long stop))
        {
            RespReply.Raw(request.Connection, RespReply.NotAnInteger);
            return;
        }
        Span<byte> key = request[1];
        using (LockShard(request, key, out Shard shard))
        {
            Lookup found = Find(request, shard, key, out KvList list);
            if (found != Lookup.Found)
            {
                if (found == Lookup.Missing) RespReply.Raw(request.Connection, RespReply.EmptyArray);
                return;
            }
            long length = list.Count;
            if (start < 0) start += length;
            if (stop < 0) stop += length;
            if (start < 0) start = 0;
            if (start > stop || start >= length)
            {
                RespReply.Raw(request.Connection, RespReply.EmptyArray);
                return;
            }
            if (stop >= length) stop = length - 1;
            RespReply.ArrayHeader(request.Connection, stop - start + 1);
            for (long i = start; i <= stop; i++) RespReply.Bulk(request.Connection, list[(int)i]);
        }
    }

    /// <summary>SADD key member [member ...]: how many were new.</summary>
    private static void SAdd(in Request request)
    {
        Span<byte> key = request[1];
        long added = 0;
        using (LockShard(request, key, out Shard shard))
        {
            if (!TryFindOrCreate(request, shard, key, out KvSet set)) return;
            for (int i = 2; i < request.Count; i++)
            {
                if (set.Add(request[i])) added++;
            }
        }
        RespReply.Integer(request.Connection, added);
    }

    /// <summary>SCARD key: the set's size, 0 when missing.</summary>
    private static void SCard(in Request request)
    {
        Span<byte> key = request[1];
        using (LockShard(request, key, out Shard shard))
        {
            Lookup found = Find(request, shard, key, out KvSet set);
            if (found == Lookup.Found) RespReply.Integer(request.Connection, set.Count);
            else if (found == Lookup.Missing) RespReply.Raw(request.Connection, RespReply.Zero);
        }
    }

    /// <summary>HSET key field value [field value ...]: how many fields were new.</summary>
    private static void HSet(in Request request)
    {
        if (request.Count % 2 == 1)
        {
            WrongArity(request.Connection, "hset");
            return;
        }
        Span<byte> key = request[1];
        long created = 0;
        using (LockShard(request, key, out Shard shard))
        {
            if (!TryFindOrCreate(request, shard, key, out KvHash hash)) return;
            for (int i = 2; i < request.Count; i += 2)
            {
                if (hash.Set(request[i], request[i + 1])) created++;
            }
        }
        RespReply.Integer(request.Connection, created);
    }

    /// <summary>HGET key field: nil when the key or the field is missing.</summary>
    private static void HGet(in Request request)
    {
        Span<byte> key = request[1];
        using (LockShard(request, key, out Shard shard))
        {
            Lookup found = Find(request, shard, key, out KvHash hash);
            if (found == Lookup.Found && hash.TryGet(request[2], out byte[] value)) RespReply.Bulk(request.Connection, value);
            else if (found != Lookup.WrongType) RespReply.Raw(request.Connection, RespReply.NullBulk);
        }
    }

    private enum Lookup
    {
        Found,
        Missing,
        WrongType,
    }

    /// <summary>The collection of type <typeparamref name="T"/> stored at <paramref name="key"/>; <see cref="Lookup.WrongType"/> is answered here already.</summary>
    private static Lookup Find<T>(in Request request, Shard shard, ReadOnlySpan<byte> key, out T value) where T : class
    {
        value = null!;
        ref Entry entry = ref shard.Find(key, request.Now);
        if (Unsafe.IsNullRef(ref entry)) return Lookup.Missing;
        if (entry.Value is T found)
        {
            value = found;
            return Lookup.Found;
        }
        RespReply.Raw(request.Connection, RespReply.WrongType);
        return Lookup.WrongType;
    }

    /// <summary>The collection stored at <paramref name="key"/>, created empty when missing; false (answered WRONGTYPE) for another type.</summary>
    private static bool TryFindOrCreate<T>(in Request request, Shard shard, ReadOnlySpan<byte> key, out T value) where T : class, new()
    {
        Lookup found = Find(request, shard, key, out value);
        if (found == Lookup.WrongType) return false;
        if (found == Lookup.Missing)
        {
            value = new T();
            shard.FindOrAdd(key, request.Now, out _).Value = value;
        }
        return true;
    }

    /// <summary>A count argument of LPOP, RPOP, SPOP: a non-negative integer, or redis's error.</summary>
    private static bool TryParseCount(in Request request, ReadOnlySpan<byte> argument, out long count)
    {
        if (!RespNumber.TryParse(argument, out count))
        {
            RespReply.Raw(request.Connection, RespReply.NotAnInteger);
            return false;
        }
        if (count < 0)
        {
            RespReply.Raw(request.Connection, RespReply.NotPositive);
            return false;
        }
        return true;
    }
}
