namespace ExprAD.Optimization.Tests;

/// <summary>A synchronous progress sink (<see cref="Progress{T}"/> posts asynchronously, which a test cannot count on).</summary>
internal sealed class RecordingProgress(Action<OptimizationProgress>? onReport = null) : IProgress<OptimizationProgress>
{
    public List<OptimizationProgress> Reports { get; } = [];

    public void Report(OptimizationProgress value)
    {
        Reports.Add(value);
        onReport?.Invoke(value);
    }
}
