using System.Text.Json;
using System.Text.Json.Serialization;

namespace WorkSessions.Gateway.Hosting;

/// <summary>
/// Enums as their exact camelCase names, both ways. The framework's string-enum converter also accepts other
/// casings, numbers and comma-separated combinations ("ready, notReady" reads as occupied); requests must not.
/// </summary>
public sealed class StrictEnumConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    /// <summary>The names an enum has on the wire, in declaration order: what the OpenAPI document lists as its values.</summary>
    /// <param name="enumType">An enum type.</param>
    public static IReadOnlyList<string> WireNames(Type enumType) =>
        [.. Enum.GetNames(enumType).Select(JsonNamingPolicy.CamelCase.ConvertName)];

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    private sealed class Converter<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
    {
        private readonly Dictionary<string, TEnum> _byName = Enum.GetValues<TEnum>().ToDictionary(Name, StringComparer.Ordinal);

        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && _byName.TryGetValue(reader.GetString()!, out var value)
                ? value
                : throw new JsonException($"Expected one of: {string.Join(", ", _byName.Keys)}.");

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) => writer.WriteStringValue(Name(value));

        private static string Name(TEnum value) => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());
    }
}
