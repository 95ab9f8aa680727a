using System.Diagnostics;

namespace ExprAD.Cli.Tests;

/// <summary>What one run of the tool printed, and its exit code.</summary>
public sealed record ToolResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Runs the built tool (exprad-cli.dll beside the tests) as a separate process with <c>dotnet</c>.</summary>
public static class ToolRunner
{
    public static string ToolPath { get; } = Path.Combine(AppContext.BaseDirectory, "exprad-cli.dll");

    /// <summary>The dotnet host running the tests, so the tool runs on the same runtime; "dotnet" from PATH otherwise.</summary>
    private static string Host { get; } =
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    public static ToolResult Run(params string[] args)
    {
        var start = new ProcessStartInfo(Host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ToolPath);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["NO_COLOR"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"exprad {string.Join(' ', args)} did not finish in 2 minutes");
        }
        return new ToolResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
