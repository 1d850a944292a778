using System.Reflection;
using System.Reflection.Emit;
using System.Xml.Linq;
using WorkSessions.Gateway.Apis;

namespace WorkSessions.Gateway.Tests;

/// <summary>
/// The layers of docs/architecture.md#parts, checked on what the compiler produced and on the project files: the
/// Gateway's endpoints call the cluster through Grains.Interfaces only; the grains reference no database driver; the
/// sample backend service needs the client set-up, not the grains or a silo.
/// </summary>
public sealed class LayeringTests
{
    // The Gateway's endpoint folders; its host set-up (Program.cs, Hosting/, Resilience/, Diagnostics/) may use the rest.
    private static readonly string[] EndpointNamespaces =
        ["WorkSessions.Gateway.Apis", "WorkSessions.Gateway.Events", "WorkSessions.Gateway.Errors", "WorkSessions.Gateway.Auth"];

    private static readonly string[] SiloSideAssemblies =
        ["WorkSessions.Domain", "WorkSessions.Grains", "WorkSessions.Storage", "WorkSessions.Hosting", "WorkSessions.Client"];

    [Fact]
    public void GatewayEndpoints_ReferenceOnlyGrainInterfaces_NeverTheDomainGrainsStorageOrHosting()
    {
        var endpointTypes = typeof(MeApi).Assembly.GetTypes()
            .Where(type => EndpointNamespaces.Any(ns => type.Namespace == ns || type.Namespace?.StartsWith(ns + ".", StringComparison.Ordinal) == true))
            .ToList();
        Assert.Contains(typeof(MeApi), endpointTypes);

        var offending = endpointTypes
            .SelectMany(type => TypesUsedBy(type).Select(used => (type, used)))
            .Where(pair => SiloSideAssemblies.Contains(pair.used.Assembly.GetName().Name))
            .Select(pair => $"{pair.type.FullName} uses {pair.used.FullName} ({pair.used.Assembly.GetName().Name})")
            .Distinct()
            .ToList();

        Assert.True(offending.Count == 0, string.Join(Environment.NewLine, offending));
    }

    [Fact]
    public void Grains_ReferenceNoDatabaseDriver()
    {
        var packages = ProjectClosure(Path.Combine("src", "Grains", "Grains.csproj")).Packages;
        Assert.Contains("Microsoft.Orleans.Server", packages);

        var drivers = packages.Where(IsDatabasePackage).ToList();
        Assert.True(drivers.Count == 0, "src/Grains reaches " + string.Join(", ", drivers));

        var compiled = AssemblyClosure(Assembly.Load("WorkSessions.Grains")).Where(IsDatabasePackage).ToList();
        Assert.True(compiled.Count == 0, "WorkSessions.Grains references " + string.Join(", ", compiled));
    }

    [Fact]
    public void RoutingServiceSample_ReferencesGrainInterfacesAndTheClientSetUp_NotTheGrainsOrASilo()
    {
        var projects = ProjectClosure(Path.Combine("samples", "RoutingService", "RoutingService.csproj")).Projects;

        Assert.Contains("Grains.Interfaces", projects);
        Assert.Contains("Client", projects);
        Assert.DoesNotContain("Grains", projects);
        Assert.DoesNotContain("Hosting", projects);
        Assert.DoesNotContain("Silo", projects);
        Assert.DoesNotContain("Gateway", projects);
    }

    private static bool IsDatabasePackage(string name) =>
        name.StartsWith("Npgsql", StringComparison.OrdinalIgnoreCase)
        || name.Contains("Sqlite", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("dbup", StringComparison.OrdinalIgnoreCase)
        || name.Contains("AdoNet", StringComparison.OrdinalIgnoreCase);

    /// <summary>The projects (by file name) and packages a project reaches through its project references.</summary>
    private static (HashSet<string> Projects, HashSet<string> Packages) ProjectClosure(string relativePath)
    {
        var projects = new HashSet<string>(StringComparer.Ordinal);
        var packages = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>([Path.GetFullPath(Path.Combine(RepositoryRoot(), relativePath))]);
        while (pending.TryPop(out var path))
        {
            if (!projects.Add(Path.GetFileNameWithoutExtension(path)))
            {
                continue;
            }

            var project = XDocument.Load(path);
            foreach (var reference in project.Descendants("ProjectReference"))
            {
                var include = reference.Attribute("Include")!.Value.Replace('\\', Path.DirectorySeparatorChar);
                pending.Push(Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, include)));
            }

            foreach (var package in project.Descendants("PackageReference"))
            {
                packages.Add(package.Attribute("Include")!.Value);
            }
        }

        return (projects, packages);
    }

    /// <summary>The names of the assemblies an assembly references, and those of the product's own it references, recursively.</summary>
    private static HashSet<string> AssemblyClosure(Assembly root)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<Assembly>([root]);
        while (pending.TryPop(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (names.Add(reference.Name!) && reference.Name!.StartsWith("WorkSessions.", StringComparison.Ordinal))
                {
                    pending.Push(Assembly.Load(reference));
                }
            }
        }

        return names;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException($"No Orleans.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>
    /// Every type a type's signatures and method bodies name: its base type, interfaces, fields, properties, method
    /// parameters and results, locals, and every type, method and field its IL refers to (lambdas, local functions and
    /// async state machines are nested types, listed by the caller as types of the same namespace).
    /// </summary>
    private static IEnumerable<Type> TypesUsedBy(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var used = new List<Type>();
        if (type.BaseType is { } baseType)
        {
            used.Add(baseType);
        }

        used.AddRange(type.GetInterfaces());
        used.AddRange(type.GetFields(all).Select(field => field.FieldType));
        used.AddRange(type.GetProperties(all).Select(property => property.PropertyType));
        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method is MethodInfo info)
            {
                used.Add(info.ReturnType);
            }

            used.AddRange(method.GetParameters().Select(parameter => parameter.ParameterType));
            if (method.GetMethodBody() is not { } body)
            {
                continue;
            }

            used.AddRange(body.LocalVariables.Select(local => local.LocalType));
            var typeArguments = type.IsGenericType ? type.GetGenericArguments() : null;
            var methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
            foreach (var token in MemberTokens(body.GetILAsByteArray()!))
            {
                switch (type.Module.ResolveMember(token, typeArguments, methodArguments))
                {
                    case Type named:
                        used.Add(named);
                        break;
                    case FieldInfo field:
                        used.Add(field.DeclaringType!);
                        used.Add(field.FieldType);
                        break;
                    case MethodBase called:
                        used.Add(called.DeclaringType!);
                        used.AddRange(called.GetParameters().Select(parameter => parameter.ParameterType));
                        if (called is MethodInfo calledInfo)
                        {
                            used.Add(calledInfo.ReturnType);
                            if (calledInfo.IsGenericMethod)
                            {
                                used.AddRange(calledInfo.GetGenericArguments());
                            }
                        }

                        break;
                }
            }
        }

        return used.SelectMany(Unwrap);
    }

    /// <summary>A type with its element type and generic arguments, recursively (<c>Task&lt;List&lt;X&gt;&gt;</c> names X).</summary>
    private static IEnumerable<Type> Unwrap(Type type)
    {
        if (type.IsGenericParameter)
        {
            yield break;
        }

        yield return type;
        if (type.HasElementType)
        {
            foreach (var inner in Unwrap(type.GetElementType()!))
            {
                yield return inner;
            }
        }

        if (type.IsGenericType)
        {
            foreach (var inner in type.GetGenericArguments().SelectMany(Unwrap))
            {
                yield return inner;
            }
        }
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .DistinctBy(code => code.Value)
        .ToDictionary(code => code.Value);

    /// <summary>The metadata tokens of the types, methods and fields an IL body refers to.</summary>
    private static IEnumerable<int> MemberTokens(byte[] il)
    {
        var position = 0;
        while (position < il.Length)
        {
            short value = il[position++];
            if (value == 0xFE)
            {
                value = unchecked((short)(0xFE00 | il[position++]));
            }

            var code = OpCodesByValue[value];
            switch (code.OperandType)
            {
                case OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineType or OperandType.InlineTok:
                    yield return BitConverter.ToInt32(il, position);
                    position += 4;
                    break;
                case OperandType.InlineSwitch:
                    position += 4 + (4 * BitConverter.ToInt32(il, position));
                    break;
                case OperandType.InlineI8 or OperandType.InlineR:
                    position += 8;
                    break;
                case OperandType.InlineBrTarget or OperandType.InlineI or OperandType.InlineSig or OperandType.InlineString or OperandType.ShortInlineR:
                    position += 4;
                    break;
                case OperandType.InlineVar:
                    position += 2;
                    break;
                case OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar:
                    position += 1;
                    break;
            }
        }
    }
}
