namespace ExprAD.Cli;

/// <summary>A mistake on the command line (not in the formula); exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
