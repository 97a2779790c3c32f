package relay.providers.google;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** JSON Schema -> Gemini's OpenAPI subset, as golden cases in google/schemas/cases.json. */
class GeminiSchemasTest {

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        Golden.json("schemas/cases.json").forEach(c -> cases.add(Arguments.of(c.get("name").asText(), c.get("input"), c.get("output"))));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void cleansTheSchema(String name, JsonNode input, JsonNode output) {
        Golden.assertJson(output, GeminiSchemas.clean(input), name);
    }

    @Test
    void aSelfReferencingSchema_endsInsteadOfUnrollingForever() {
        JsonNode schema = Golden.parse("{\"$ref\":\"#/$defs/Tree\",\"$defs\":{\"Tree\":{\"type\":\"object\","
                + "\"properties\":{\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/Tree\"}}}}}}");

        JsonNode cleaned = GeminiSchemas.clean(schema);

        assertTrue(cleaned.toString().length() < 20_000, "bounded: " + cleaned.toString().length());
        assertTrue(cleaned.path("properties").path("children").path("items").path("properties").has("children"));
    }
}
