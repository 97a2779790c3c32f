package relay.providers.mock;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import relay.core.Json;

/** Golden values the mock gives for JSON schemas: each fits its schema. */
class SchemaExampleTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            {"type":"string"}                                                            | "t"
            {"type":"string","minLength":3}                                              | "t.."
            {"type":"string","format":"email"}                                           | "mock@example.com"
            {"type":"integer","minimum":2.5}                                             | 3
            {"type":"integer","exclusiveMinimum":4}                                      | 5
            {"type":"integer","maximum":-3}                                              | -3
            {"type":"integer","minimum":7,"multipleOf":5}                                | 10
            {"type":"number","minimum":0.5}                                              | 0.5
            {"type":"number","minimum":0,"exclusiveMinimum":true,"multipleOf":0.25}      | 0.25
            {"type":"boolean"}                                                           | true
            {"const":"fixed"}                                                            | "fixed"
            {"enum":[3,4]}                                                               | 3
            {"anyOf":[{"type":"null"},{"type":"integer","minimum":1}]}                   | 1
            {"type":"array","items":{"type":"integer"},"minItems":3,"maxItems":3}        | [0,0,0]
            {"type":"array","items":{"type":"integer"},"maxItems":0}                     | []
            {"type":"array","prefixItems":[{"type":"string"},{"type":"boolean"}]}        | ["t",true]
            {"type":"object","properties":{"a":{"$ref":"#/$defs/x"}},"$defs":{"x":{"type":"integer","minimum":9}}} | {"a":9}
            {"allOf":[{"type":"object","properties":{"a":{"type":"string"}}},{"properties":{"b":{"type":"null"}},"required":["b"]}]} | {"a":"t","b":null}
            {"type":"object","required":["free"]}                                        | {"free":"t"}
            {"type":"object","properties":{"next":{"$ref":"#"}}}                         | {"next":{"next":{"next":{"next":{"next":{"next":{"next":"t"}}}}}}}
            """)
    void example_fitsTheSchema(String schema, String expected) throws Exception {
        assertEquals(Json.write(Json.MAPPER.readTree(expected)), Json.write(SchemaExample.of(Json.MAPPER.readTree(schema), "t")));
    }
}
