using System.ComponentModel;
using Spectre.Console.Cli;

namespace ExprAD.Cli.Commands;

/// <summary>Settings of <see cref="ShowCommand"/>: which names are variables.</summary>
public sealed class ShowSettings : FormulaSettings
{
    [CommandOption("--vars <NAMES>")]
    [Description("The variable names, in order (x[[0]], x[[1]], ...), e.g. --vars x,y. Without it (and without --at) the formula is a vector formula over x[[i]] and n.")]
    public string? Vars { get; set; }

    [CommandOption("--at <POINT>")]
    [Description("Accepted instead of --vars: its names are taken, its values ignored.")]
    public string? At { get; set; }

    public string[] VariableNames()
    {
        if (Vars is not null)
        {
            return Vars.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        }
        return At is null ? [] : EvaluationPoint.Parse(At).Names;
    }
}

/// <summary><c>exprad show "formula" --vars x,y</c>: the simplified value-and-gradient code, as C#.</summary>
public sealed class ShowCommand : FormulaCommand<ShowSettings>
{
    protected override int Run(ShowSettings settings)
    {
        var names = settings.VariableNames();
        var f = Formula.Parse(settings.Formula, names);
        Console.Out.WriteLine($"// f = {settings.Formula}");
        if (names.Length > 0)
        {
            Console.Out.WriteLine("// " + string.Join(", ", names.Select((name, k) => $"{name} = x[{k}]")));
        }
        Console.Out.WriteLine(AD.ToCSharp(AD.GradientExpression(f)));
        return 0;
    }
}
