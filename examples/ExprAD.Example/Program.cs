// The README's example: differentiate a function, print its value, gradient and derivative code.
using System.Linq.Expressions;
using ExprAD;

Expression<Func<double[], double>> f = x => Math.Sin(x[0]) * x[1] + Math.Exp(x[0] * x[1]) / (1 + x[1] * x[1]);

GradientFunc gradient = AD.Differentiate(f);
var point = new[] { 0.5, 2.0 };
var g = new double[point.Length];
double value = gradient(point, g);

Console.WriteLine($"f(x)      = {value:R}");
Console.WriteLine($"grad f(x) = [{string.Join(", ", g.Select(v => v.ToString("R")))}]");
Console.WriteLine();
Console.WriteLine("The value-and-gradient code ExprAD compiled:");
Console.WriteLine(AD.ToCSharp(AD.GradientExpression(f)));
