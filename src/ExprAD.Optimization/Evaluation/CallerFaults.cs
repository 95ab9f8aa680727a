using System.Runtime.ExceptionServices;

namespace ExprAD.Optimization.Evaluation;

/// <summary>
/// Remembers the first exception thrown by the caller's side of a run: the objective itself, a progress handler,
/// or the cancellation token. MathNet wraps whatever its callbacks throw in its own "line search failed"
/// exceptions, which the adapters turn into an unconverged result; an exception remembered here is rethrown
/// unchanged instead, so a bug in the objective or a cancellation is never mistaken for a solver failure.
/// </summary>
internal sealed class CallerFaults
{
    private ExceptionDispatchInfo? _first;

    /// <summary>For exception filters: records <paramref name="e"/> and returns false, so it propagates untouched.</summary>
    public bool Saw(Exception e)
    {
        _first ??= ExceptionDispatchInfo.Capture(e);
        return false;
    }

    /// <summary>Rethrows the remembered exception, with its original stack trace, if there is one.</summary>
    public void RethrowIfAny() => _first?.Throw();
}
