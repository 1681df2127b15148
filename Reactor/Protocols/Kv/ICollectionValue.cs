namespace Reactor.Protocols.Kv;

/// <summary>A list or set value: its element count decides when the key goes (an empty collection is no key, as in redis).</summary>
internal interface ICollectionValue
{
    int Count { get; }
}
