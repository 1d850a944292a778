namespace WorkSessions.Contracts;

/// <summary>
/// The limits on the free text and ids a caller hands the agent grain. The domain applies them to every command, so a
/// backend service calling <see cref="IAgentGrain"/> directly meets the same rules and codes as the HTTP API; the
/// Gateway applies the same methods before any grain call, so a bad request costs no grain call.
/// </summary>
public static class InputRules
{
    /// <summary>The longest not-ready reason code an agent may give.</summary>
    public const int MaxReasonLength = 64;

    /// <summary>The longest note a supervisor or admin may leave on an ended session.</summary>
    public const int MaxNoteLength = 500;

    /// <summary>The longest engagement id a backend service may report.</summary>
    public const int MaxEngagementIdLength = 128;

    /// <summary>The longest user id of an actor: OpenID Connect's bound on a token's <c>sub</c>.</summary>
    public const int MaxUserIdLength = 255;

    /// <summary>A not-ready reason code as given, or a rejection.</summary>
    /// <param name="reason">The reason; null when none was given.</param>
    /// <exception cref="WorkSessionException"><c>invalid_status</c>: longer than <see cref="MaxReasonLength"/> or not printable.</exception>
    public static string? ReasonCode(string? reason) => reason switch
    {
        { Length: > MaxReasonLength } => throw WorkSessionException.InvalidStatus($"A reason code is at most {MaxReasonLength} characters."),
        _ when !PrintableText.IsPrintable(reason) => throw WorkSessionException.InvalidStatus("A reason code cannot hold control characters."),
        _ => reason,
    };

    /// <summary>A supervisor's or admin's note as given, or a rejection.</summary>
    /// <param name="note">The note; null when none was given.</param>
    /// <exception cref="WorkSessionException"><c>invalid_argument</c>: longer than <see cref="MaxNoteLength"/>, or a control character other than a line break or tab.</exception>
    public static string? Note(string? note) => note switch
    {
        { Length: > MaxNoteLength } => throw new WorkSessionException(ErrorCodes.InvalidArgument, $"A note is at most {MaxNoteLength} characters."),
        _ when !PrintableText.IsPrintable(note, allowLineBreaks: true) => throw new WorkSessionException(ErrorCodes.InvalidArgument, "A note cannot hold control characters."),
        _ => note,
    };

    /// <summary>An engagement id as given, or a rejection.</summary>
    /// <param name="engagementId">The id a backend service reported.</param>
    /// <exception cref="WorkSessionException"><c>invalid_argument</c>: blank, longer than <see cref="MaxEngagementIdLength"/> or not printable.</exception>
    public static string EngagementId(string? engagementId) => engagementId switch
    {
        _ when string.IsNullOrWhiteSpace(engagementId) => throw new WorkSessionException(ErrorCodes.InvalidArgument, "An engagement id is required."),
        { Length: > MaxEngagementIdLength } => throw new WorkSessionException(ErrorCodes.InvalidArgument, $"An engagement id is at most {MaxEngagementIdLength} characters."),
        _ when !PrintableText.IsPrintable(engagementId) => throw new WorkSessionException(ErrorCodes.InvalidArgument, "An engagement id cannot hold control characters."),
        _ => engagementId,
    };

    /// <summary>An actor as given, or a rejection: a role the product knows and, when set, a usable user id.</summary>
    /// <param name="actor">Who acts.</param>
    /// <exception cref="WorkSessionException"><c>invalid_argument</c>: no actor, an unknown role, or a user id that is blank, longer than <see cref="MaxUserIdLength"/> or not printable.</exception>
    public static Actor Actor(Actor? actor) => actor switch
    {
        null => throw new WorkSessionException(ErrorCodes.InvalidArgument, "An actor is required."),
        _ when !Enum.IsDefined(actor.Role) => throw new WorkSessionException(ErrorCodes.InvalidArgument, $"'{actor.Role}' is not a role."),
        { UserId: { } userId } when string.IsNullOrWhiteSpace(userId) || userId.Length > MaxUserIdLength || !PrintableText.IsPrintable(userId) =>
            throw new WorkSessionException(ErrorCodes.InvalidArgument, $"An actor's user id is 1 to {MaxUserIdLength} printable characters."),
        _ => actor,
    };
}
