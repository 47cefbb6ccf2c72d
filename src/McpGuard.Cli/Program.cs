using McpGuard.Cli;

FileSizeLimitSignal.Handle();
return await CliApp.RunAsync(args, CliContext.FromProcess());
