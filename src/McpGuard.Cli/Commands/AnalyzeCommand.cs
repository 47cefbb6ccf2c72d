using System.CommandLine;
using McpGuard.Core;
using McpGuard.Core.Reports;
using McpGuard.Core.Tools;
using McpGuard.Verify.Analysis.JavaScript;
using McpGuard.Verify.Packages;

namespace McpGuard.Cli.Commands;

/// <summary>
/// <c>mcpguard analyze &lt;pkg@ver | .tgz | dir&gt;</c>: static analysis of one package. The target is optional so
/// that <c>analyze --tools FILE</c> (tool definitions only) can share the command.
/// </summary>
internal static class AnalyzeCommand
{
    public static Command Create(CliContext context, IToolDescriptionScanner? toolScanner = null)
    {
        var target = new Argument<string?>("target")
        {
            Description = "The package: name@version from the registry, a .tgz file, or an unpacked folder.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var tools = AnalyzeToolsCommand.CreateToolsOption();
        var sources = new PackageSourceOptions();
        var report = new ReportOptions();
        var command = new Command("analyze", "Statically analyse one MCP server package (JavaScript rules, install scripts, tool definitions).");
        command.Add(target);
        command.Add(tools);
        sources.AddTo(command);
        report.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(tools) is { } toolsPath)
            {
                if (parse.GetValue(target) is not null)
                {
                    throw new UserInputException("analyze takes a package or --tools FILE, not both.");
                }

                return AnalyzeToolsCommand.Run(toolsPath, parse, report, context);
            }

            var what = parse.GetValue(target)
                ?? throw new UserInputException("analyze needs a package: name@version, a .tgz file or a folder (or --tools FILE for tool definitions).");
            using var http = sources.CreateHttpClient();
            var loader = sources.CreateLoader(parse, context, http);
            var package = await PackageSourceOptions.LoadAsync(loader, what, "target", context, cancellationToken);
            var analysis = PackageSourceOptions.Analyse(() => new PackageAnalyzer(toolScanner, loader.Limits).Analyze(package, cancellationToken), what, "target");
            return report.Emit(parse, Report.Create([], analysis.Findings, coverage: [analysis.Coverage]), context);
        });
        return command;
    }
}

/// <summary>Where packages come from: --registry and --cache, shared by analyze and diff.</summary>
internal sealed class PackageSourceOptions
{
    public Option<string?> Registry { get; } = new("--registry")
    {
        Description = "npm registry for name@version targets (default https://registry.npmjs.org).",
    };

    public Option<string?> Cache { get; } = new("--cache")
    {
        Description = "Folder for the verified-tarball cache (default <data dir>/cache/npm; the data dir is $MCPGUARD_HOME, else $XDG_DATA_HOME/mcpguard, else ~/.local/share/mcpguard).",
    };

    public void AddTo(Command command)
    {
        command.Add(Registry);
        command.Add(Cache);
    }

    // One client per command run; registry downloads are bounded by PackageLimits, this bounds a stalled server.
    public HttpClient CreateHttpClient() => new() { Timeout = TimeSpan.FromSeconds(120) };

    public PackageLoader CreateLoader(ParseResult parse, CliContext context, HttpClient http)
    {
        var registry = RegistryUrl(parse, context);
        var cacheDir = parse.GetValue(Cache) is { } c ? Path.GetFullPath(c, context.WorkingDirectory) : PackageCache.DefaultDirectory(context.GetEnvironmentVariable);
        return new PackageLoader(new NpmRegistryClient(http, registry, new PackageCache(cacheDir)));
    }

    /// <summary>--registry, else $MCPGUARD_REGISTRY, else the public npm registry; anything but an http(s) URL is a usage error.</summary>
    public Uri RegistryUrl(ParseResult parse, CliContext context)
    {
        var registryText = parse.GetValue(Registry) ?? context.GetEnvironmentVariable("MCPGUARD_REGISTRY");
        var registry = NpmRegistryClient.DefaultRegistry;
        if (registryText is not null
            && (!Uri.TryCreate(registryText, UriKind.Absolute, out registry) || registry.Scheme is not ("http" or "https")))
        {
            throw new UserInputException($"--registry '{registryText}' is not an http(s) URL.");
        }

        return registry!;
    }

    /// <summary>
    /// Runs an analysis of packages loaded with <see cref="LoadAsync"/>: their files are read while analysing (one at
    /// a time), so a folder that became unreadable meanwhile is a one-line user error too.
    /// </summary>
    public static T Analyse<T>(Func<T> analyse, string target, string argument)
    {
        try
        {
            return analyse();
        }
        catch (Exception ex) when (ex is PackageLoadException or IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{argument} '{target}': {ex.Message}", ex);
        }
    }

    /// <inheritdoc cref="Analyse{T}"/>
    public static async Task<T> AnalyseAsync<T>(Func<Task<T>> analyse, string target, string argument)
    {
        try
        {
            return await analyse();
        }
        catch (Exception ex) when (ex is PackageLoadException or IOException or UnauthorizedAccessException)
        {
            throw new UserInputException($"{argument} '{target}': {ex.Message}", ex);
        }
    }

    /// <summary>Loads a package and turns every way it can fail into a one-line user error naming the argument.</summary>
    public static Task<LoadedPackage> LoadAsync(PackageLoader loader, string target, string argument, CliContext context, CancellationToken cancellationToken) =>
        RegistryCallAsync($"{argument} '{target}'", "", () => loader.LoadAsync(target, context.WorkingDirectory, cancellationToken), cancellationToken);

    /// <summary>
    /// Runs a registry call and turns a refused package, an unreachable or a silent registry into one-line user
    /// errors: "<paramref name="what"/>: reason<paramref name="suffix"/>".
    /// </summary>
    public static async Task<T> RegistryCallAsync<T>(string what, string suffix, Func<Task<T>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await action();
        }
        catch (PackageLoadException ex)
        {
            throw new UserInputException($"{what}: {ex.Message}{suffix}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new UserInputException($"{what}: the registry could not be reached ({ex.Message}){suffix}", ex);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new UserInputException($"{what}: the registry did not answer in time{suffix}", ex);
        }
    }
}
