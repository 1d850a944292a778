namespace WorkSessions.Storage.Tests;

/// <summary>
/// Which name a parameter given without its prefix gets from its statement. Through the providers' data source:
/// <see cref="SqliteWriterTests"/>.
/// </summary>
public sealed class SqliteParameterNamesTests
{
    [Theory]
    [InlineData("INSERT INTO t VALUES (@GrainIdN0, @GrainIdN1)", "GrainIdN0", "@GrainIdN0")]
    [InlineData("INSERT INTO t VALUES (@GrainIdN0, @GrainIdN1)", "GrainIdN1", "@GrainIdN1")]
    [InlineData("SELECT * FROM t WHERE a = @GrainIdN0", "GrainIdN", "GrainIdN")]
    [InlineData("SELECT * FROM t WHERE a = :name", "name", ":name")]
    [InlineData("SELECT * FROM t WHERE a = $name", "name", "$name")]
    [InlineData("SELECT * FROM t WHERE a = @name OR b = :name", "name", "name")]
    [InlineData("SELECT name FROM t", "name", "name")]
    [InlineData("SELECT * FROM t WHERE a = @name_2", "name", "name")]
    [InlineData("SELECT * FROM t WHERE a = @name_2 OR b = @name", "name", "@name")]
    [InlineData("SELECT * FROM t WHERE a = @name", "name", "@name")]
    public void Resolve_NamesTheParameterAsItsStatementDoes_OrLeavesItBare(string statement, string bare, string expected)
    {
        Assert.Equal(expected, SqliteParameterNames.Resolve(statement, bare));
    }
}
