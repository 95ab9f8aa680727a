using ExprAD.Cli.Output;
using Spectre.Console;

namespace ExprAD.Cli.Commands;

/// <summary>
/// <c>exprad hessian "formula" --at x=1,y=2</c>: the value, the gradient (as <c>grad</c> prints it) and the
/// Hessian matrix, by <see cref="AD.Hessian"/>.
/// </summary>
public sealed class HessianCommand : FormulaCommand<PointSettings>
{
    protected override int Run(PointSettings settings)
    {
        var point = settings.RequirePoint("hessian");
        var f = Formula.Parse(settings.Formula, point.Names);
        int n = point.Values.Length;
        var gradient = new double[n];
        var hessian = new double[n, n];
        double value = AD.Hessian(f)(point.Values, gradient, hessian);

        Console.Out.WriteLine($"f = {settings.Formula}");
        Console.Out.WriteLine($"value = {Numbers.R(value)}");
        var gradientTable = new Table().AddColumn("input").AddColumn("at").AddColumn("df/dinput");
        for (int k = 0; k < n; k++)
        {
            gradientTable.AddRow(new Text(point.Label(k)), new Text(Numbers.R(point.Values[k])), new Text(Numbers.R(gradient[k])));
        }
        Consoles.Out.Write(gradientTable);

        Console.Out.WriteLine("Hessian (row i, column j: d2f/dinput_i dinput_j):");
        // Headers go through Text, not markup: "x[0]" would otherwise be read as a Spectre style tag.
        var matrix = new Table().AddColumn(new TableColumn(new Text("")));
        for (int j = 0; j < n; j++)
        {
            matrix.AddColumn(new TableColumn(new Text(point.Label(j))));
        }
        for (int i = 0; i < n; i++)
        {
            var row = new List<Text> { new(point.Label(i)) };
            for (int j = 0; j < n; j++)
            {
                row.Add(new Text(Numbers.R(hessian[i, j])));
            }
            matrix.AddRow(row);
        }
        Consoles.Out.Write(matrix);
        return 0;
    }
}
