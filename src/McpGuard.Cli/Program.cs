using McpGuard.Cli;

return await CliApp.RunAsync(args, CliContext.FromProcess());
