namespace ExprAD;

/// <summary>
/// Computes f(x) and writes the gradient of f at <paramref name="x"/> into <paramref name="gradient"/>.
/// Every entry of <paramref name="gradient"/> is overwritten (zero where f does not depend on that input);
/// <c>gradient.Length</c> must equal <c>x.Length</c>.
/// </summary>
/// <param name="x">The point at which f and its gradient are evaluated.</param>
/// <param name="gradient">Receives the gradient; same length as <paramref name="x"/>.</param>
/// <returns>f(x).</returns>
public delegate double GradientFunc(double[] x, double[] gradient);

/// <summary>Computes f(x), its gradient and its n-by-n (symmetric) Hessian.</summary>
/// <param name="x">The point at which f is evaluated.</param>
/// <param name="gradient">Receives the gradient; same length as <paramref name="x"/>.</param>
/// <param name="hessian">Receives the Hessian; n-by-n where n is <c>x.Length</c>.</param>
/// <returns>f(x).</returns>
public delegate double HessianFunc(double[] x, double[] gradient, double[,] hessian);

/// <summary>Writes F(x) (length m) into <paramref name="values"/> and the m-by-n Jacobian into <paramref name="jacobian"/>.</summary>
/// <param name="x">The point at which F is evaluated.</param>
/// <param name="values">Receives F(x).</param>
/// <param name="jacobian">Receives the m-by-n Jacobian.</param>
public delegate void JacobianFunc(double[] x, double[] values, double[,] jacobian);

/// <summary>
/// Forward mode: the directional derivative of f at <paramref name="x"/> along <paramref name="direction"/>,
/// that is &lt;grad f(x), direction&gt;, at about the cost of one evaluation of f whatever the number of inputs.
/// </summary>
/// <param name="x">The point.</param>
/// <param name="direction">The direction; same length as <paramref name="x"/>.</param>
/// <returns>The directional derivative.</returns>
public delegate double DirectionalDerivativeFunc(double[] x, double[] direction);

/// <summary>Computes f(x) and writes the Hessian-vector product H(x) <paramref name="direction"/> into <paramref name="product"/>.</summary>
/// <param name="x">The point; not modified.</param>
/// <param name="direction">The vector v; same length as <paramref name="x"/>.</param>
/// <param name="product">Receives H(x) v; same length as <paramref name="x"/>, every entry overwritten.</param>
/// <returns>f(x).</returns>
public delegate double HessianVectorProductFunc(double[] x, double[] direction, double[] product);
