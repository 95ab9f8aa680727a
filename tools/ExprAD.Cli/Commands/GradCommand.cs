using ExprAD.Cli.Output;
using Spectre.Console;

namespace ExprAD.Cli.Commands;

/// <summary><c>exprad grad "formula" --at x=1,y=2</c>: the value and the gradient, as a table.</summary>
public sealed class GradCommand : FormulaCommand<PointSettings>
{
    protected override int Run(PointSettings settings)
    {
        var point = settings.RequirePoint("grad");
        var f = Formula.Parse(settings.Formula, point.Names);
        var gradient = new double[point.Values.Length];
        double value = AD.Differentiate(f)(point.Values, gradient);

        Console.Out.WriteLine($"f = {settings.Formula}");
        Console.Out.WriteLine($"value = {Numbers.R(value)}");
        var table = new Table().AddColumn("input").AddColumn("at").AddColumn("df/dinput");
        for (int k = 0; k < gradient.Length; k++)
        {
            table.AddRow(new Text(point.Label(k)), new Text(Numbers.R(point.Values[k])), new Text(Numbers.R(gradient[k])));
        }
        Consoles.Out.Write(table);
        return 0;
    }
}
