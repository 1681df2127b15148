using System.Net;
using Reactor.Cli;
using Reactor.Protocols.Proxy;
using Xunit;

namespace Reactor.Tests.Cli;

public class ProxyCommandTests
{
    [Theory]
    [InlineData("127.0.0.1:8080", "127.0.0.1:8080", 1)]
    [InlineData("[::1]:8080,weight=3", "[::1]:8080", 3)]
    [InlineData("localhost:9000,weight=256", "127.0.0.1:9000", 256)]
    [InlineData("10.0.0.2:1", "10.0.0.2:1", 1)]
    public void ParseBackend_AddressPortAndWeight(string spec, string endPoint, int weight)
    {
        Backend b = ProxyCommand.ParseBackend(spec);
        Assert.Equal(IPEndPoint.Parse(endPoint), b.EndPoint);
        Assert.Equal(weight, b.Weight);
    }

    [Theory]
    [InlineData("127.0.0.1")]              // no port
    [InlineData("::1")]                    // IPv6 without brackets and port
    [InlineData("[::1]")]
    [InlineData("127.0.0.1:99999")]
    [InlineData("127.0.0.1:80,weight=0")]
    [InlineData("127.0.0.1:80,weight=257")]
    [InlineData("127.0.0.1:80,wieght=2")]
    [InlineData("example.com:80")]         // names are not resolved
    public void ParseBackend_Malformed_UsageErrorNamingTheFlag(string spec)
    {
        Assert.Contains("--backend", Assert.Throws<UsageException>(() => ProxyCommand.ParseBackend(spec)).Message);
    }
}
