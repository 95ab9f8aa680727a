using ExprAD.Cli;
using ExprAD.Cli.Commands;
using ExprAD.Cli.Output;
using Spectre.Console.Cli;

// One class per command (Commands/); adding one is a class and one AddCommand line here.
var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("exprad");
    config.SetApplicationVersion(typeof(Program).Assembly.GetName().Version?.ToString(3) ?? "1.0.0");
    config.ConfigureConsole(Consoles.Out);
    config.UseStrictParsing();
    config.SetExceptionHandler((exception, _) => ErrorReport.Usage(exception));

    config.AddCommand<GradCommand>("grad")
        .WithDescription("Value and gradient of a formula at a point, as a table. --at x=1,y=2 names variables; --at x=1,2,3 (or 1,2,3) is the vector x of a vector formula.")
        .WithExample("grad", "\"x^2*sin(y)\"", "--at", "x=1,y=2")
        .WithExample("grad", "\"sum(i, 0, n-2, 100*(x[i+1]-x[i]^2)^2 + (1-x[i])^2)\"", "--at", "x=1.2,1,0.8");
    config.AddCommand<ShowCommand>("show")
        .WithDescription("The simplified value-and-gradient code of a formula, as C#.")
        .WithExample("show", "\"x^2*sin(y)\"", "--vars", "x,y")
        .WithExample("show", "\"sum(i, 0, n-1, x[i]^2)\"");
    config.AddCommand<CheckCommand>("check")
        .WithDescription("AD gradient against central finite differences, with the error (exit code 1 if they disagree).")
        .WithExample("check", "\"exp(x)*cos(y)\"", "--at", "x=0.5,y=1");
    config.AddCommand<HessianCommand>("hessian")
        .WithDescription("Value, gradient and Hessian matrix of a formula at a point (--at as for grad).")
        .WithExample("hessian", "\"x^2*y + sin(y)\"", "--at", "x=1,y=2")
        .WithExample("hessian", "\"sum(i, 0, n-1, x[i]^3)\"", "--at", "1,2,3");
    config.AddCommand<MinimizeCommand>("minimize")
        .WithDescription("Minimize a formula from --from (same syntax as --at): the point reached, value, iterations, evaluations, stop reason. Exit code 1 if it did not converge.")
        .WithExample("minimize", "\"100*(y-x^2)^2 + (1-x)^2\"", "--from", "x=-1.2,y=1")
        .WithExample("minimize", "\"100*(y-x^2)^2 + (1-x)^2\"", "--from", "x=-1.2,y=1", "--method", "newton")
        .WithExample("minimize", "\"(x-2)^2 + (y+1)^2\"", "--from", "x=0,y=0", "--upper", "x=1", "--lower", "y=0");
});
// No command at all is a usage error: show the help, exit 2.
return args.Length == 0 ? app.Run(["--help"]) + ErrorReport.UsageError : app.Run(args);
