package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.aws.cache.ResponseCacheTable;
import relay.core.log.RequestLog;
import relay.testing.FakeOpenAi;

/**
 * The response cache through the local server: a real loopback OpenAI server behind it, the cache
 * table in the embedded DynamoDB, the in-process embedder. Each test asks its own questions, so the
 * entries other tests store cannot answer them.
 */
class ResponseCacheEndToEndTest {
    static final String MASTER_KEY = TestRelay.MASTER_KEY;
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    static FakeOpenAi upstream;
    static LocalServer server;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeOpenAi.start();
        server = startServer("""
                litellm_settings:
                  cache: true
                  cache_params:
                    type: dynamodb-semantic
                    ttl: 600
                """);
    }

    static LocalServer startServer(String moreConfig) throws IOException {
        // Model list first: the test's own YAML may add entries to it, then its own sections.
        return TestRelay.start("""
                model_list:
                  - model_name: gpt-4o
                    litellm_params:
                      model: openai/gpt-4o
                      api_base: %1$s
                      api_key: os.environ/OPENAI_API_KEY
                  - model_name: text-embedding-3-small
                    litellm_params:
                      model: openai/text-embedding-3-small
                      api_base: %1$s
                      api_key: os.environ/OPENAI_API_KEY
                """.formatted(upstream.baseUrl()) + moreConfig, Map.of("OPENAI_API_KEY", "sk-upstream-cache"));
    }

    @AfterAll
    static void stop() {
        server.close();
        upstream.close();
    }

    @BeforeEach
    void clean() {
        upstream.reset();
    }

    record Answer(int status, Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.getOrDefault(name, List.of("")).get(0);
        }

        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }

        String content() throws IOException {
            return json().path("choices").path(0).path("message").path("content").asText();
        }

        /** The text a stream adds up to. */
        String streamedContent() throws IOException {
            StringBuilder text = new StringBuilder();
            for (JsonNode chunk : events()) text.append(chunk.path("choices").path(0).path("delta").path("content").asText(""));
            return text.toString();
        }

        List<JsonNode> events() throws IOException {
            List<JsonNode> events = new ArrayList<>();
            for (String line : body.split("\n")) {
                if (line.startsWith("data: ") && !line.equals("data: [DONE]")) events.add(JSON.readTree(line.substring(6)));
            }
            return events;
        }
    }

    static Answer chat(LocalServer target, String jsonBody) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(target.url() + "/v1/chat/completions"))
                .header("authorization", "Bearer " + MASTER_KEY)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(jsonBody)).build(), HttpResponse.BodyHandlers.ofString());
        Answer answer = new Answer(response.statusCode(), response.headers().map(), response.body());
        // The answer is stored once the client has it, just before its log record is written: the next ask sees it.
        logOf(target, answer);
        return answer;
    }

    static Answer ask(String question) throws Exception {
        return chat(server, body(question, ""));
    }

    static String body(String question, String extra) {
        return """
                {"model": "gpt-4o", "messages": [{"role": "system", "content": "Answer briefly."},
                 {"role": "user", "content": %s}]%s}""".formatted(JSON.valueToTree(question).toString(), extra);
    }

    static int chatCalls() {
        return (int) upstream.requests().stream().filter(r -> r.path().endsWith("/chat/completions")).count();
    }

    static RequestLog logOf(LocalServer target, Answer answer) {
        return TestRelay.log(target, answer.header("x-relay-request-id"));
    }

    @Test
    void aRepeatedRequest_isAnsweredFromTheCache_withoutCallingTheProvider() throws Exception {
        Answer first = ask("What is the boiling point of water at sea level?");
        Answer second = ask("What is the boiling point of water at sea level?");

        assertEquals(200, second.status());
        assertEquals("miss", first.header("x-relay-cache"));
        assertEquals("hit-exact", second.header("x-relay-cache"));
        assertEquals(1, chatCalls(), "the second answer came from the cache");
        assertEquals(first.content(), second.content());
        assertNotEquals(first.json().path("id").asText(), second.json().path("id").asText(), "a replay has its own id");
        assertEquals(first.json().path("usage"), second.json().path("usage"));
        assertEquals("0", second.header("x-relay-cost-usd"), "a cached answer costs nothing");

        RequestLog hit = logOf(server, second);
        assertEquals("hit-exact", hit.cacheStatus());
        assertEquals(200, hit.status());
        assertEquals(0, hit.costUsd().compareTo(BigDecimal.ZERO));
        assertEquals("miss", logOf(server, first).cacheStatus());
    }

    @Test
    void aStreamingRequest_isReplayedAsAStream_andAStreamedAnswerServesAPlainRequest() throws Exception {
        String question = "Name three primary colours.";
        Answer plain = ask(question);
        Answer replayed = chat(server, body(question, ", \"stream\": true"));

        assertEquals("hit-exact", replayed.header("x-relay-cache"), "stream is not part of the key");
        assertTrue(replayed.header("content-type").startsWith("text/event-stream"));
        assertEquals(plain.content(), replayed.streamedContent());
        assertTrue(replayed.body().strip().endsWith("data: [DONE]"));
        assertEquals("stop", replayed.events().get(replayed.events().size() - 1).path("choices").path(0).path("finish_reason").asText());

        String other = "List two noble gases.";
        Answer streamed = chat(server, body(other, ", \"stream\": true, \"stream_options\": {\"include_usage\": true}"));
        Answer fromStream = ask(other);
        assertEquals("miss", streamed.header("x-relay-cache"));
        assertEquals("hit-exact", fromStream.header("x-relay-cache"));
        assertEquals(streamed.streamedContent(), fromStream.content());
        assertEquals(2, chatCalls());
        assertEquals(streamed.events().get(streamed.events().size() - 1).path("usage"), fromStream.json().path("usage"),
                "the stored stream keeps its usage");
    }

    @Test
    void aParaphrase_isASemanticHit_butAnotherQuestionIsNot() throws Exception {
        Answer original = ask("How do I learn Python quickly?");
        Answer paraphrase = ask("How can I learn Python quickly?");
        Answer otherLanguage = ask("How can I learn Java quickly?");

        assertEquals("miss", original.header("x-relay-cache"));
        assertEquals("hit-semantic", paraphrase.header("x-relay-cache"));
        assertEquals(original.content(), paraphrase.content(), "the cached answer to the original question");
        assertEquals("miss", otherLanguage.header("x-relay-cache"), "a different name is a different question");
        assertEquals("Echo: How can I learn Java quickly?", otherLanguage.content());
        assertEquals(2, chatCalls());
        assertEquals("hit-semantic", logOf(server, paraphrase).cacheStatus());
    }

    @Test
    void anOutputChangingParameter_orAnotherSystemPrompt_isAnotherEntry() throws Exception {
        String question = "Describe the moon in one sentence.";
        chat(server, body(question, ", \"temperature\": 0.2"));
        assertEquals("miss", chat(server, body(question, ", \"temperature\": 0.9")).header("x-relay-cache"));
        assertEquals("hit-exact", chat(server, body(question, ", \"temperature\": 0.2, \"user\": \"someone-else\"")).header("x-relay-cache"),
                "user is not part of the key");
        String otherSystem = body(question, ", \"temperature\": 0.2").replace("Answer briefly.", "Answer in French.");
        assertEquals("miss", chat(server, otherSystem).header("x-relay-cache"));
        assertEquals(3, chatCalls());
    }

    @Test
    void perRequestControls_noCache_noStore_sMaxAge() throws Exception {
        String question = "What is the tallest mountain on Earth?";
        ask(question);
        Answer noCache = chat(server, body(question, ", \"cache\": {\"no-cache\": true}"));
        assertEquals("off", noCache.header("x-relay-cache"), "no-cache skips the lookup");
        assertEquals(2, chatCalls());
        assertFalse(upstream.lastRequest().json().has("cache"), "the cache controls are Relay's, not the provider's");

        String unstored = "What is the deepest lake on Earth?";
        Answer noStore = chat(server, body(unstored, ", \"cache\": {\"no-store\": true}"));
        assertEquals("miss", noStore.header("x-relay-cache"));
        assertEquals("miss", ask(unstored).header("x-relay-cache"), "no-store kept the first answer out of the cache");

        Thread.sleep(1_100);
        Answer fresh = chat(server, body(question, ", \"cache\": {\"s-maxage\": 1}"));
        assertEquals("miss", fresh.header("x-relay-cache"), "the entry is older than the request accepts");
        assertEquals("hit-exact", ask(question).header("x-relay-cache"));
    }

    static Answer deleteCached(LocalServer target, String key, String jsonBody) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(target.url() + "/cache/delete"))
                .header("authorization", "Bearer " + key)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(jsonBody)).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.headers().map(), response.body());
    }

    @Test
    void aCachedAnswer_canBeDeletedByItsKey_thenNeitherItNorAParaphraseHits() throws Exception {
        String question = "What is the speed of light in a vacuum?";
        Answer first = ask(question);
        Answer second = ask(question);
        String key = second.header("x-relay-cache-key");
        assertFalse(key.isBlank(), "the key is in every cached route's answer");
        assertEquals(first.header("x-relay-cache-key"), key);

        Answer deleted = deleteCached(server, MASTER_KEY, "{\"keys\": [\"" + key + "\"]}");
        assertEquals(200, deleted.status(), deleted.body());
        assertEquals("success", deleted.json().path("status").asText());
        assertEquals(1, deleted.json().path("deleted").asInt());

        String noStore = ", \"cache\": {\"no-store\": true}"; // so that each ask sees only what was there
        assertEquals("miss", chat(server, body(question, noStore)).header("x-relay-cache"));
        assertEquals("miss", chat(server, body("What's the speed of light in a vacuum?", noStore)).header("x-relay-cache"),
                "the deleted entry does not answer a paraphrase either");
        assertEquals(0, deleteCached(server, MASTER_KEY, "{\"keys\": [\"no-such-key\"]}").json().path("deleted").asInt());
    }

    static Answer pingCache(LocalServer target, String key) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(target.url() + "/cache/ping"))
                .header("authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.headers().map(), response.body());
    }

    @Test
    void cachePing_saysTheTableAnswers() throws Exception {
        Answer ping = pingCache(server, MASTER_KEY);
        assertEquals(200, ping.status(), ping.body());
        assertEquals("healthy", ping.json().path("status").asText());
        assertEquals("dynamodb-semantic", ping.json().path("cache_type").asText());
        assertEquals(401, pingCache(server, "sk-wrong").status());
    }

    @Test
    void cacheDelete_needsTheMasterKey_andAListOfKeys() throws Exception {
        assertEquals(401, deleteCached(server, "sk-wrong", "{\"keys\": [\"k\"]}").status());
        Answer noKeys = deleteCached(server, MASTER_KEY, "{\"keys\": []}");
        assertEquals(400, noKeys.status());
        assertEquals("keys", noKeys.json().path("error").path("param").asText());
        assertEquals("keys[1]", deleteCached(server, MASTER_KEY, "{\"keys\": [\"a\", 7]}").json().path("error").path("param").asText());
        assertEquals(400, deleteCached(server, MASTER_KEY, "not json").status());
        HttpResponse<String> get = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/cache/delete"))
                .header("authorization", "Bearer " + MASTER_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, get.statusCode());
    }

    @Test
    void badCacheControls_areA400NamingTheField() throws Exception {
        Answer bad = chat(server, body("Anything at all?", ", \"cache\": {\"ttl\": \"soon\"}"));
        assertEquals(400, bad.status());
        assertEquals("cache.ttl", bad.json().path("error").path("param").asText());
        assertEquals("invalid_request_error", bad.json().path("error").path("type").asText());
        assertEquals(0, chatCalls());
    }

    @Test
    void withoutACacheConfigured_theHeaderSaysOff() throws Exception {
        try (LocalServer plain = startServer("")) {
            Answer first = chat(plain, body("Is the cache on?", ""));
            Answer second = chat(plain, body("Is the cache on?", ""));
            assertEquals("off", second.header("x-relay-cache"));
            assertFalse(second.headers().containsKey("x-relay-cache-key"));
            assertEquals("off", logOf(plain, first).cacheStatus());
            assertEquals(2, chatCalls());
            Answer delete = deleteCached(plain, MASTER_KEY, "{\"keys\": [\"k\"]}");
            assertEquals(400, delete.status());
            assertTrue(delete.json().path("error").path("message").asText().contains("litellm_settings.cache"));
            assertEquals(400, pingCache(plain, MASTER_KEY).status());
        }
    }

    @Test
    void aFailingCacheTable_isAMiss_andTheRequestIsAnsweredAndLogged() throws Exception {
        try (LocalServer broken = startServer("""
                litellm_settings:
                  cache: true
                  cache_params: {type: dynamodb}
                """)) {
            assertEquals(200, pingCache(broken, MASTER_KEY).status());
            broken.dynamoDbClient().deleteTable(b -> b.tableName(ResponseCacheTable.LOCAL_NAME));
            Answer ping = pingCache(broken, MASTER_KEY);
            assertEquals(503, ping.status(), "an operator learns what requests do not show");
            assertTrue(ping.json().path("error").path("message").asText().contains("ResourceNotFoundException"), ping.body());
            Answer first = chat(broken, body("Does the cache table exist?", ""));
            Answer second = chat(broken, body("Does the cache table exist?", ""));

            assertEquals(200, first.status());
            assertEquals(200, second.status());
            assertEquals("Echo: Does the cache table exist?", second.content());
            assertEquals("miss", second.header("x-relay-cache"));
            assertEquals(2, chatCalls());
            assertEquals(200, logOf(broken, second).status());
        }
    }

    @Test
    void afterAFallback_theAnswerThatReachedTheClientIsStored_andABrokenStreamIsNot() throws Exception {
        try (FakeOpenAi primary = FakeOpenAi.start(); LocalServer withFallback = startServer("""
                  - model_name: flaky
                    litellm_params: {model: openai/flaky, api_base: "%s", api_key: sk-flaky}
                router_settings:
                  num_retries: 0
                  fallbacks: [{"flaky": ["gpt-4o"]}]
                litellm_settings:
                  cache: true
                  cache_params: {type: dynamodb}
                """.formatted(primary.baseUrl()))) {
            // The primary's stream breaks before its first chunk: the fallback answers the client.
            primary.enqueue(new FakeOpenAi.Reply.BrokenStream(0));
            String question = "Which planet is the largest?";
            Answer streamed = chat(withFallback, body(question, ", \"stream\": true").replace("\"gpt-4o\"", "\"flaky\""));
            assertEquals("1", streamed.header("x-relay-fallbacks"));
            Answer cached = chat(withFallback, body(question, "").replace("\"gpt-4o\"", "\"flaky\""));
            assertEquals("hit-exact", cached.header("x-relay-cache"));
            assertEquals(streamed.streamedContent(), cached.content());

            // A stream that breaks after its first chunk reaches the client broken, and is not stored.
            primary.enqueue(new FakeOpenAi.Reply.BrokenStream(1));
            String other = "Which planet is the smallest?";
            chat(withFallback, body(other, ", \"stream\": true").replace("\"gpt-4o\"", "\"flaky\""));
            Answer afterBroken = chat(withFallback, body(other, "").replace("\"gpt-4o\"", "\"flaky\""));
            assertEquals("miss", afterBroken.header("x-relay-cache"));
            assertEquals("Echo: " + other, afterBroken.content());
        }
    }

    @Test
    void aProviderEmbeddingModel_embedsThroughItsModelGroup() throws Exception {
        // The fake's vectors depend on a text's length and first letter only: equal for these two prompts.
        try (LocalServer withModel = startServer("""
                litellm_settings:
                  cache: true
                  cache_params:
                    type: dynamodb-semantic
                    embedding_model: text-embedding-3-small
                    similarity_threshold: 0.9999
                router_settings: {num_retries: 0, allowed_fails: 1000}
                """)) {
            Answer cats = chat(withModel, body("Tell me about cats", ""));
            Answer dogs = chat(withModel, body("Tell me about dogs", ""));
            Answer longer = chat(withModel, body("Tell me about elephants", ""));

            assertEquals("miss", cats.header("x-relay-cache"));
            assertEquals("hit-semantic", dogs.header("x-relay-cache"));
            assertEquals(cats.content(), dogs.content());
            assertEquals("miss", longer.header("x-relay-cache"));
            assertEquals(2, chatCalls());
            var embeddingCalls = upstream.requests().stream().filter(r -> r.path().endsWith("/embeddings")).toList();
            assertFalse(embeddingCalls.isEmpty());
            assertEquals("text-embedding-3-small", embeddingCalls.get(0).json().path("model").asText());

            // The embedding model fails: the request is answered from the provider (exact lookup only), not failed.
            upstream.enqueue(new FakeOpenAi.Reply.Status(500, FakeOpenAi.errorBody("embeddings down", "server_error", null), Map.of()));
            Answer withoutVector = chat(withModel, body("Tell me about parrots", ""));
            assertEquals(200, withoutVector.status());
            assertEquals("Echo: Tell me about parrots", withoutVector.content());
            assertEquals("miss", withoutVector.header("x-relay-cache"));

            // An embedding model that does not answer (its answer would come after the test) leaves the request to its
            // deadline: a timeout, not a hang. That the embedding is given no more than the request's time left is
            // ModelEmbedderTest's, with a clock that stands still.
            upstream.enqueue(new FakeOpenAi.Reply.Slow(java.time.Duration.ofMinutes(2)));
            Answer late = chat(withModel, body("Tell me about owls", ", \"timeout\": 1"));
            assertEquals(408, late.status(), late.body());
        }
    }
}
