using System.Runtime.ExceptionServices;

namespace ExprAD.Formulas;

/// <summary>
/// Runs formula parsing on a thread with a large stack. Dynamic LINQ recurses once or more per nesting
/// level without any stack check; at the nesting bound this needs far more than the 1.5 MB of a
/// thread-pool thread, and a stack overflow would end the process. The parse is not a hot path (compiling
/// the result costs far more than a thread start).
/// </summary>
internal static class LargeStack
{
    private const int StackBytes = 256 * 1024 * 1024;

    public static T Run<T>(Func<T> work)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }, StackBytes)
        {
            Name = "ExprAD formula parser",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }
}
