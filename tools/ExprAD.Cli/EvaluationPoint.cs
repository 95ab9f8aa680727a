using System.Globalization;

namespace ExprAD.Cli;

/// <summary>
/// The point given with <c>--at</c> (or <c>--from</c>, <c>--lower</c>, <c>--upper</c>). <c>x=1,y=2</c> declares
/// variables in that order (x[0], x[1]); <c>x=1,2,3</c> or <c>1,2,3</c> is the input vector of a vector formula
/// (no names: x[i], n).
/// </summary>
internal sealed record EvaluationPoint(string[] Names, double[] Values)
{
    public bool IsVector => Names.Length == 0;

    /// <summary>The label of input <paramref name="k"/>: its variable name, or x[k].</summary>
    public string Label(int k) => IsVector ? $"x[{k}]" : Names[k];

    /// <param name="text">The option's value.</param>
    /// <param name="option">The option it came from, for the messages.</param>
    public static EvaluationPoint Parse(string text, string option = "--at")
    {
        // A vector may be written in brackets, as it is printed: x=[1,2,3] or [1,2,3].
        var unbracketed = text.Trim();
        if (unbracketed.EndsWith(']') && (unbracketed.StartsWith('[') || unbracketed.StartsWith("x=[", StringComparison.Ordinal)))
            unbracketed = unbracketed.Replace("[", "").TrimEnd(']');
        var items = unbracketed.Split(',', StringSplitOptions.TrimEntries);
        if (items.Any(i => i.Length == 0))
        {
            throw new UsageException($"{option} '{text}' has an empty entry; write x=1,y=2 or x=1,2,3");
        }
        var named = items.Select(i => i.Split('=', 2, StringSplitOptions.TrimEntries)).ToArray();
        if (named.All(p => p.Length == 2))
        {
            return new EvaluationPoint([.. named.Select(p => p[0])], [.. named.Select(p => Number(p[1], p[0], option))]);
        }
        // Bare numbers, optionally after a leading "x=": the vector x. (A lone "x=1" declares a variable x;
        // a one-element vector is "--at 1".)
        if (named.Skip(1).All(p => p.Length == 1) && (named[0].Length == 1 || named[0][0] == "x"))
        {
            return new EvaluationPoint([], [.. named.Select(p => Number(p[^1], null, option))]);
        }
        throw new UsageException(
            $"{option} '{text}' mixes named and unnamed values; write x=1,y=2 for variables, or x=1,2,3 (or 1,2,3) for the vector x of a vector formula");
    }

    private static double Number(string text, string? name, string option)
    {
        // .NET spells infinity "Infinity"; "inf" is what C, Python and the printed tables of other tools use.
        var sign = text.StartsWith('-') ? -1 : 1;
        if (text.TrimStart('+', '-').ToLowerInvariant() is "inf" or "infinity" or "∞") return sign * double.PositiveInfinity;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
        {
            throw new UsageException($"{option}: '{text}'{(name is null ? "" : $" (the value of {name})")} is not a number");
        }
        return value;
    }
}
