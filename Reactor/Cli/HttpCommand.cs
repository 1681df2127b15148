using Reactor.Protocols.Http;

namespace Reactor.Cli;

/// <summary><c>reactor http</c>: the HTTP/1.1 server with its built-in routes.</summary>
internal static class HttpCommand
{
    public static readonly ServeCommand.Protocol Protocol = new(
        ["root", "max-header-size", "max-body", "header-timeout", "keepalive-timeout"],
        [],
        (flags, options) =>
        {
            if (!flags.Switch("port")) options.Port = 8080;
            var http = new HttpOptions
            {
                MaxHeaderBytes = (int)flags.Size("max-header-size", 8 * 1024, 256, 1 << 20),
                MaxBodyBytes = (int)flags.Size("max-body", 1 << 20, 0, 256 << 20),
                HeaderTimeout = flags.Duration("header-timeout", System.TimeSpan.FromSeconds(10)),
                KeepAliveTimeout = flags.Duration("keepalive-timeout", System.TimeSpan.FromSeconds(5)),
            };
            var routes = new BuiltInRoutes(flags.String("root"));
            return connection => new HttpConnection(connection, routes, http);
        });
}
