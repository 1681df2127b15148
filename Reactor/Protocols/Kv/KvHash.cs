using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;

namespace Reactor.Protocols.Kv;

/// <summary>A hash value: fields to values, looked up by the request's bytes.</summary>
internal sealed class KvHash
{
    private readonly Dictionary<byte[], byte[]> _fields = new(ByteKeyComparer.Instance);
    private readonly Dictionary<byte[], byte[]>.AlternateLookup<ReadOnlySpan<byte>> _byBytes;

    public KvHash() => _byBytes = _fields.GetAlternateLookup<ReadOnlySpan<byte>>();

    /// <summary>Sets <paramref name="field"/>; true when it is new. A value of the same length is overwritten in place.</summary>
    public bool Set(ReadOnlySpan<byte> field, ReadOnlySpan<byte> value)
    {
        ref byte[]? stored = ref CollectionsMarshal.GetValueRefOrAddDefault(_byBytes, field, out bool exists);
        if (exists && stored!.Length == value.Length) value.CopyTo(stored);
        else stored = value.ToArray();
        return !exists;
    }

    public bool TryGet(ReadOnlySpan<byte> field, out byte[] value) => _byBytes.TryGetValue(field, out value!);
}
