using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace ExprAD.Diagnostics;

/// <summary>
/// Keeps recursive passes from overflowing the process stack (which no catch can survive). Every
/// recursive visit calls <see cref="Check"/>; a pipeline that runs short on the caller's stack is run
/// again on a thread with a large stack, and only if that also runs short does the caller get an exception.
/// </summary>
internal static class StackGuard
{
    private const int LargeStackBytes = 512 * 1024 * 1024;

    public static void Check()
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            throw new InsufficientExecutionStackException();
    }

    public static T RunWithDeepStackFallback<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (InsufficientExecutionStackException)
        {
            return RunOnLargeStack(work);
        }
    }

    private static T RunOnLargeStack<T>(Func<T> work)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try { result = work(); }
            catch (InsufficientExecutionStackException e) { failure = ExceptionDispatchInfo.Capture(Errors.TooDeep(e)); }
            catch (Exception e) { failure = ExceptionDispatchInfo.Capture(e); }
        }, LargeStackBytes);
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }
}
