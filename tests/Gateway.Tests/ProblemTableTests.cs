using System.Reflection;
using WorkSessions.Contracts;
using WorkSessions.Gateway.Errors;

namespace WorkSessions.Gateway.Tests;

/// <summary>One table maps every code to its status and title, the domain's codes included.</summary>
public sealed class ProblemTableTests
{
    public static TheoryData<string> DomainCodes()
    {
        var codes = new TheoryData<string>();
        foreach (var field in typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            codes.Add((string)field.GetValue(null)!);
        }

        return codes;
    }

    [Theory]
    [MemberData(nameof(DomainCodes))]
    public void EveryDomainCode_HasAnEntry(string code) => Assert.True(Problems.Table.ContainsKey(code), $"'{code}' is not in Problems.Table.");

    [Fact]
    public void EveryEntry_HasAClientOrServerErrorStatusAndATitle()
    {
        Assert.All(Problems.Table.Values, type =>
        {
            Assert.InRange(type.Status, 400, 599);
            Assert.False(string.IsNullOrWhiteSpace(type.Title));
            Assert.False(string.IsNullOrWhiteSpace(type.Detail));
        });
    }
}
