using Campfire.Cli;

return await CliHost.RunAsync(args);
