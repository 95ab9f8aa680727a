using System.Diagnostics.CodeAnalysis;

namespace ExprAD.Cli;

/// <summary>
/// <c>--lower</c> and <c>--upper</c> of <c>minimize</c>, in the <c>--at</c> syntax and matched to the inputs of
/// the starting point: by name (<c>x=0</c>, or <c>x[1]=0</c> in a vector formula), where inputs left out are
/// unbounded; or positionally (<c>0,0,0</c>), one value per input. Naming a subset is the common case (bound
/// one variable of several), and positional values are the only short way to bound a whole vector.
/// </summary>
internal static class BoundsOption
{
    /// <summary>The bounds, one per input of <paramref name="start"/>; <paramref name="unbounded"/> where none is given; null without the option.</summary>
    [return: NotNullIfNotNull(nameof(text))]
    public static double[]? Parse(string? text, string option, EvaluationPoint start, double unbounded)
    {
        if (text is null)
        {
            return null;
        }
        var given = EvaluationPoint.Parse(text, option);
        int n = start.Values.Length;
        if (given.IsVector)
        {
            return given.Values.Length == n
                ? given.Values
                : throw new UsageException(
                    $"{option} '{text}' has {given.Values.Length} value(s) but the point has {n} input(s); give one per input, or name the bounded ones ({Example(start)})");
        }
        var bounds = Enumerable.Repeat(unbounded, n).ToArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < given.Names.Length; i++)
        {
            string name = given.Names[i];
            int k = Enumerable.Range(0, n).FirstOrDefault(k => start.Label(k) == name, -1);
            if (k < 0)
            {
                throw new UsageException(
                    $"{option} names '{name}', which is not an input; the inputs are {string.Join(", ", Enumerable.Range(0, n).Select(start.Label))}");
            }
            if (!seen.Add(name))
            {
                throw new UsageException($"{option} gives '{name}' twice");
            }
            bounds[k] = given.Values[i];
        }
        return bounds;
    }

    private static string Example(EvaluationPoint start) => $"{start.Label(0)}=0";
}
