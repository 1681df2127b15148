using System;

namespace Reactor.Tests.Infrastructure;

public static class TestData
{
    /// <summary>A deterministic byte stream: block i of a seeded generator, so sender and checker agree without storing it.</summary>
    public static byte[] Block(int seed, int index, int size)
    {
        var block = new byte[size];
        new Random(seed * 1_000_003 + index).NextBytes(block);
        return block;
    }
}
