package relay.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.RequestParser;

class CacheKeyTest {
    private static final String EMBEDDER = "minilm-l6";
    private static final String MESSAGES =
            "\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"What is DynamoDB?\"}]";

    private static ChatCompletionRequest chat(String json) {
        return RequestParser.chat(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static CacheKey key(String json) {
        return CacheKey.of(chat(json), null, EMBEDDER);
    }

    private static String body(String extra) {
        return "{\"model\":\"gpt-4o\"," + MESSAGES + extra + "}";
    }

    @Test
    void theSameRequest_hasTheSameKey_aSha256InHex() {
        CacheKey a = key(body(""));
        assertEquals(a, key(body("")));
        assertTrue(a.exact().matches("[0-9a-f]{64}"), a.exact());
        assertTrue(a.scope().matches("[0-9a-f]{64}"), a.scope());
        assertNotEquals(a.exact(), a.scope());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            ",\"temperature\":0.2", ",\"top_p\":0.5", ",\"n\":2", ",\"max_tokens\":100", ",\"max_completion_tokens\":100",
            ",\"stop\":[\"END\"]", ",\"seed\":42", ",\"presence_penalty\":0.5", ",\"frequency_penalty\":0.5",
            ",\"logit_bias\":{\"50256\":-100}", ",\"logprobs\":true",
            ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{}}}]",
            ",\"tool_choice\":\"required\"", ",\"response_format\":{\"type\":\"json_object\"}",
            ",\"functions\":[{\"name\":\"f\",\"parameters\":{}}]", ",\"reasoning_effort\":\"high\"",
            ",\"a_parameter_from_next_year\":true", ",\"mock_response\":\"canned\""})
    void everyParameterThatChangesTheAnswer_changesTheKeyAndTheScope(String extra) {
        CacheKey plain = key(body(""));
        CacheKey with = key(body(extra));
        assertNotEquals(plain.exact(), with.exact(), extra);
        assertNotEquals(plain.scope(), with.scope(), extra);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            ",\"stream\":true", ",\"stream\":true,\"stream_options\":{\"include_usage\":true}", ",\"user\":\"user-123\"",
            ",\"metadata\":{\"trace\":\"abc\"}", ",\"cache\":{\"ttl\":60,\"no-store\":true}", ",\"fallbacks\":[\"gpt-4o-mini\"]",
            ",\"num_retries\":3", ",\"timeout\":20", ",\"drop_params\":true", ",\"disable_fallbacks\":true",
            ",\"request_timeout\":5", ",\"api_base\":\"http://x\"", ",\"extra_headers\":{\"a\":\"b\"}", ",\"context_window_fallbacks\":[\"m\"]",
            ",\"temperature\":null", ",\"tools\":[]", ",\"n\":1"})
    void whatDoesNotChangeTheAnswer_leavesTheKeyAlone(String extra) {
        assertEquals(key(body("")), key(body(extra)), extra);
    }

    @Test
    void canonicalForm_ignoresFieldOrderAndNumberSpelling() {
        CacheKey a = key("{\"model\":\"gpt-4o\"," + MESSAGES + ",\"temperature\":1,\"max_tokens\":10}");
        CacheKey b = key("{\"max_tokens\":10,\"temperature\":1.0," + MESSAGES + ",\"model\":\"gpt-4o\"}");
        assertEquals(a, b);
        assertEquals(key(body(",\"stop\":\"END\"")), key(body(",\"stop\":[\"END\"]")));
        assertEquals(key(body(",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"a\":1,\"b\":2}}")),
                key(body(",\"response_format\":{\"json_schema\":{\"b\":2,\"a\":1},\"type\":\"json_schema\"}")));
    }

    @Test
    void aContentArrayOfOneTextPart_isTheSameAsTheText() {
        CacheKey text = key("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        CacheKey parts = key("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]}");
        assertEquals(text, parts);
    }

    @Test
    void theModelGroup_theMessages_andTheNamespace_changeTheKey() {
        CacheKey base = key(body(""));
        assertNotEquals(base.exact(), key(body("").replace("gpt-4o", "gpt-4o-mini")).exact());
        assertNotEquals(base.exact(), key(body("").replace("What is DynamoDB?", "What is S3?")).exact());
        assertNotEquals(base.exact(), CacheKey.of(chat(body("")), "team-a", EMBEDDER).exact());
        assertNotEquals(CacheKey.of(chat(body("")), "team-a", EMBEDDER).exact(), CacheKey.of(chat(body("")), "team-b", EMBEDDER).exact());
    }

    @Test
    void semanticScope_isTheRequestWithoutTheLastUserText_andTheText_isThatText() {
        CacheKey a = key(body(""));
        CacheKey paraphrase = key(body("").replace("What is DynamoDB?", "Explain DynamoDB to me"));
        assertEquals(a.scope(), paraphrase.scope(), "same scope: only the last user text differs");
        assertNotEquals(a.exact(), paraphrase.exact());
        assertEquals("What is DynamoDB?", a.semanticText());
        assertEquals("Explain DynamoDB to me", paraphrase.semanticText());
    }

    @Test
    void semanticScope_changesWithTheSystemPrompt_earlierTurns_model_params_namespace_andEmbedder() {
        String base = body("");
        CacheKey a = key(base);
        assertNotEquals(a.scope(), key(base.replace("Be brief.", "Be verbose.")).scope());
        assertNotEquals(a.scope(), key(base.replace("\"gpt-4o\"", "\"claude\"")).scope());
        assertNotEquals(a.scope(), key(body(",\"temperature\":0")).scope());
        assertNotEquals(a.scope(), CacheKey.of(chat(base), "ns", EMBEDDER).scope());
        assertNotEquals(a.scope(), CacheKey.of(chat(base), null, "another-embedder").scope());
        String withHistory = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello!\"},"
                + "{\"role\":\"user\",\"content\":\"What is DynamoDB?\"}]}";
        CacheKey history = key(withHistory);
        assertNotEquals(a.scope(), history.scope());
        assertEquals("What is DynamoDB?", history.semanticText());
        assertNotEquals(history.scope(), key(withHistory.replace("Hello!", "Hey!")).scope());
    }

    @Test
    void noScope_whenTheLastMessageIsNotUserText() {
        assertFalse(key("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"content\":\"Sure,\"}]}").semantic(), "assistant prefill");
        assertFalse(key("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"what is this?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}}]}]}").semantic(), "an image");
        assertFalse(key("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"   \"}]}").semantic(), "blank text");
        CacheKey exactOnly = CacheKey.of(chat(body("")), null);
        assertFalse(exactOnly.semantic(), "no embedder, no scope");
        assertNull(exactOnly.semanticText());
        assertEquals(key(body("")).exact(), exactOnly.exact(), "the exact key does not depend on the embedder");
    }

    @Test
    void canonicalParams_leaveOutIgnoredFields_andSortKeys() {
        var body = RequestParser.parseObject(body(",\"user\":\"u\",\"top_p\":0.50,\"temperature\":0.7,\"stream\":true")
                .getBytes(StandardCharsets.UTF_8));
        assertEquals("{\"temperature\":0.7,\"top_p\":0.5}", CacheKey.canonicalParams(body));
    }
}
