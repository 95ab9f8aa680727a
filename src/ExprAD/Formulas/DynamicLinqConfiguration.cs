using System.Globalization;
using System.Linq.Dynamic.Core;
using System.Linq.Dynamic.Core.CustomTypeProviders;
using System.Reflection;

namespace ExprAD.Formulas;

/// <summary>
/// The most restrictive Dynamic LINQ configuration: no custom or extension types, no <c>new</c>, no type
/// resolution by name, no assembly scanning, case-sensitive. Dynamic LINQ still reaches its predefined
/// types (Convert, String, DateTime, ...) whatever the configuration, which is why user text never reaches
/// it unchecked (<see cref="FormulaParser"/>) and why its output is checked again (<see cref="FormulaTreeVerifier"/>).
/// </summary>
internal static class DynamicLinqConfiguration
{
    public static ParsingConfig Create() => new()
    {
        CustomTypeProvider = new NoCustomTypes(),
        DisallowNewKeyword = true,
        AllowNewToEvaluateAnyType = false,
        ResolveTypesBySimpleName = false,
        SupportEnumerationsFromSystemNamespace = false,
        SupportCastingToFullyQualifiedTypeAsString = false,
        LoadAdditionalAssembliesFromCurrentDomainBaseDirectory = false,
        AllowEqualsAndToStringMethodsOnObject = false,
        ConvertObjectToSupportComparison = false,
        AreContextKeywordsEnabled = false,
        IsCaseSensitive = true,
        NumberParseCulture = CultureInfo.InvariantCulture,
    };

    /// <summary>A type provider that knows no types: no [DynamicLinqType] scanning, no extension methods.</summary>
    private sealed class NoCustomTypes : IDynamicLinqCustomTypeProvider
    {
        public HashSet<Type> GetCustomTypes() => [];

        public Dictionary<Type, List<MethodInfo>> GetExtensionMethods() => [];

        public Type? ResolveType(string typeName) => null;

        public Type? ResolveTypeBySimpleName(string simpleTypeName) => null;
    }
}
