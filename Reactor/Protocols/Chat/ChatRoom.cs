using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using Reactor.Protocols.Framing;

namespace Reactor.Protocols.Chat;

/// <summary>
/// A line-framed chat room spanning every loop: each line a client sends is delivered to every
/// other client as <c>&lt;id&gt;: &lt;line&gt;\n</c>, where ids count connections from 1. A client
/// whose unsent output reaches <see cref="ReactorOptions.MaxPendingBytes"/> (it stopped reading) is
/// disconnected with <see cref="CloseReason.Limit"/>, so one slow reader cannot hold memory for
/// everyone. Lines from one sender reach every client in the order they were sent.
/// </summary>
/// <remarks>
/// Each loop keeps the list of its own members, touched only by its own thread; a line goes to
/// the sender's loop members at once and to each other loop that has members as one posted work
/// item (<see cref="EventLoop.Post"/>, in order per loop), which sends it to that loop's members.
/// No lock is taken on the way. Each line costs one allocation: its formatted copy, shared by the loops.
/// </remarks>
public sealed class ChatRoom
{
    private static readonly Action<object?> DeliverPosted = static state => ((Delivery)state!).Run();

    private readonly LoopMembers?[] _loops;
    private readonly int _maxLineBytes;
    private int _lastId;

    /// <param name="loopCount">The loops of the group that serves the room (<see cref="ReactorOptions.LoopCount"/>).</param>
    /// <param name="maxLineBytes">The longest line a client may send (see <see cref="LineFraming"/>).</param>
    public ChatRoom(int loopCount, int maxLineBytes = LineFraming.DefaultMaxLineBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(loopCount, 1);
        _loops = new LoopMembers?[loopCount];
        _maxLineBytes = maxLineBytes;
    }

    /// <summary>The handler factory for <see cref="LoopGroup.Serve(Func{Connection, IConnectionHandler})"/>: each connection joins the room.</summary>
    public IConnectionHandler Join(Connection connection) => new LineFraming(new Member(this, Interlocked.Increment(ref _lastId)), _maxLineBytes);

    private LoopMembers MembersOf(EventLoop loop)
    {
        LoopMembers? members = Volatile.Read(ref _loops[loop.Id]);
        if (members is not null) return members;
        Interlocked.CompareExchange(ref _loops[loop.Id], new LoopMembers(loop), null);
        return _loops[loop.Id]!;
    }

    private void Broadcast(Member sender, ReadOnlySpan<byte> line)
    {
        byte[] message = Format(sender.Id, line);
        EventLoop here = sender.Connection!.Loop;
        foreach (LoopMembers? members in _loops)
        {
            if (members is null) continue;
            if (members.Loop == here) members.Deliver(message, sender);
            else if (members.Count > 0) members.Loop.Post(DeliverPosted, new Delivery(members, message));
        }
    }

    private static byte[] Format(int id, ReadOnlySpan<byte> line)
    {
        Span<byte> prefix = stackalloc byte[16];
        id.TryFormat(prefix, out int digits, provider: CultureInfo.InvariantCulture);
        var message = new byte[digits + 2 + line.Length + 1];
        prefix[..digits].CopyTo(message);
        message[digits] = (byte)':';
        message[digits + 1] = (byte)' ';
        line.CopyTo(message.AsSpan(digits + 2));
        message[^1] = (byte)'\n';
        return message;
    }

    /// <summary>The members on one loop: read and written only by that loop's thread (Count is read by others as a hint).</summary>
    private sealed class LoopMembers(EventLoop loop)
    {
        private readonly List<Member> _members = [];

        public EventLoop Loop { get; } = loop;

        public int Count => Volatile.Read(ref _count);
        private int _count;

        public void Add(Member member)
        {
            member.Index = _members.Count;
            _members.Add(member);
            Volatile.Write(ref _count, _members.Count);
        }

        public void Remove(Member member)
        {
            // Swap the last member into the leaver's place: O(1), and order among members does not matter.
            Member last = _members[^1];
            _members[member.Index] = last;
            last.Index = member.Index;
            _members.RemoveAt(_members.Count - 1);
            Volatile.Write(ref _count, _members.Count);
        }

        /// <summary>Queues <paramref name="message"/> to every member but <paramref name="sender"/>; disconnects those that stopped reading.</summary>
        public void Deliver(byte[] message, Member? sender)
        {
            // Closes asked for here run after this callback returns, so the list does not change under the loop.
            foreach (Member member in _members)
            {
                if (member == sender) continue;
                Connection connection = member.Connection!;
                if (!connection.IsOpen) continue;
                connection.Write(message);
                if (!connection.IsWritable) connection.Abort(CloseReason.Limit);
            }
        }
    }

    private sealed class Delivery(LoopMembers members, byte[] message)
    {
        public void Run() => members.Deliver(message, sender: null);
    }

    /// <summary>One client: its id, and its place in its loop's member list.</summary>
    private sealed class Member(ChatRoom room, int id) : IFrameHandler
    {
        public int Id { get; } = id;
        public int Index;
        public Connection? Connection;

        public void OnOpen(Connection connection)
        {
            Connection = connection;
            room.MembersOf(connection.Loop).Add(this);
        }

        public void OnFrame(Connection connection, Span<byte> line) => room.Broadcast(this, line);

        public void OnClose(Connection connection, CloseReason reason) => room.MembersOf(connection.Loop).Remove(this);
    }
}
