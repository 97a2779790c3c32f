package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.errors.BadRequestException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.models.Model;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.testing.FakeOpenAi;

/**
 * Virtual keys through the local server: the admin API over HTTP with the master key, and each
 * refusal as the official OpenAI Java SDK sees it (its exception class, OpenAI's error body).
 */
class VirtualKeysEndToEndTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    /** FakeOpenAi's answer (10 + 5 tokens) at gpt-4o-mini's catalog prices. */
    static final BigDecimal ANSWER_COST = new BigDecimal("0.0000045");

    static FakeOpenAi upstream;
    static LocalServer server;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeOpenAi.start();
        server = TestRelay.start("""
                model_list:
                  - model_name: mini
                    litellm_params: {model: openai/gpt-4o-mini, api_base: %1$s, api_key: os.environ/OPENAI_API_KEY}
                  - model_name: other
                    litellm_params: {model: openai/gpt-4o-mini, api_base: %1$s, api_key: os.environ/OPENAI_API_KEY}
                """.formatted(upstream.baseUrl()), Map.of("OPENAI_API_KEY", "sk-upstream-0123456789"));
    }

    @AfterAll
    static void stop() {
        server.close();
        upstream.close();
    }

    static JsonNode admin(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("authorization", "Bearer " + TestRelay.MASTER_KEY).header("content-type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    static String newKey(String settings) throws Exception {
        return admin("POST", "/key/generate", settings).path("key").asText();
    }

    static ChatCompletionCreateParams chat(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("hi").maxCompletionTokens(20).build();
    }

    /** The key's spend once its settlement (after the answer) has landed: waited for, 30 s at most. */
    static BigDecimal spendReaching(String key, BigDecimal expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            BigDecimal spend = admin("GET", "/key/info?key=" + key, null).path("info").path("spend").decimalValue();
            if (spend.compareTo(expected) >= 0 || System.nanoTime() > deadline) return spend;
            Thread.sleep(20);
        }
    }

    /** OpenAI's error {@code type}, as the SDK hands the error body over (the object under {@code error}). */
    static String errorType(OpenAIServiceException e) throws Exception {
        JsonNode body = JSON.readTree(JSON.writeValueAsString(e.body()));
        return (body.has("error") ? body.path("error") : body).path("type").asText(e.getMessage());
    }

    @Test
    void adminRoundTrip_andAVirtualKeyServesChat_withItsSpendShown() throws Exception {
        admin("POST", "/team/new", "{\"team_id\":\"e2e\",\"max_budget\":10}");
        JsonNode generated = admin("POST", "/key/generate", "{\"key_alias\":\"e2e-app\",\"team_id\":\"e2e\",\"models\":[\"mini\"]}");
        String key = generated.path("key").asText();
        OpenAIClient client = TestRelay.sdk(server, key);

        HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(chat("mini"));

        assertEquals("Echo: hi", raw.parse().choices().get(0).message().content().orElseThrow());
        assertEquals("0", raw.headers().values("x-relay-key-spend").get(0));
        assertEquals(0, ANSWER_COST.compareTo(spendReaching(key, ANSWER_COST)));
        JsonNode info = admin("GET", "/key/info?key=" + key, null);
        assertEquals("e2e-app", info.path("info").path("key_alias").asText());
        assertFalse(info.toString().contains(key), "info never shows the key");
        assertEquals(generated.path("token").asText(), admin("GET", "/key/list?team_id=e2e", null).path("keys").get(0).asText());
        JsonNode team = admin("GET", "/team/info?team_id=e2e", null);
        assertEquals(0, ANSWER_COST.compareTo(team.path("team_info").path("spend").decimalValue()), team.toString());
        List<String> models = client.models().list().data().stream().map(Model::id).toList();
        assertEquals(List.of("mini"), models);
        admin("POST", "/key/delete", "{\"keys\":[\"" + key + "\"]}");
        assertThrows(UnauthorizedException.class, () -> client.chat().completions().create(chat("mini")));
    }

    @Test
    void eachRefusal_isTheSdksExceptionWithOpenAisErrorBody() throws Exception {
        UnauthorizedException unknown = assertThrows(UnauthorizedException.class,
                () -> TestRelay.sdk(server, "sk-not-a-key-of-this-relay-0123456789").chat().completions().create(chat("mini")));
        assertEquals("authentication_error", errorType(unknown));
        String blocked = newKey("{\"blocked\":true}");
        assertThrows(UnauthorizedException.class, () -> TestRelay.sdk(server, blocked).chat().completions().create(chat("mini")));

        String onlyMini = newKey("{\"models\":[\"mini\"]}");
        PermissionDeniedException denied = assertThrows(PermissionDeniedException.class,
                () -> TestRelay.sdk(server, onlyMini).chat().completions().create(chat("other")));
        assertEquals("permission_error", errorType(denied));

        String broke = newKey("{\"max_budget\":0}");
        BadRequestException budget = assertThrows(BadRequestException.class,
                () -> TestRelay.sdk(server, broke).chat().completions().create(chat("mini")));
        assertEquals("budget_exceeded", errorType(budget));

        String slow = newKey("{\"rpm_limit\":1}");
        // rpm counts whole minutes: both requests must fall in one
        while (java.time.LocalTime.now(java.time.ZoneOffset.UTC).getSecond() > 30) Thread.sleep(200);
        TestRelay.sdk(server, slow).chat().completions().create(chat("mini"));
        RateLimitException limited = assertThrows(RateLimitException.class,
                () -> TestRelay.sdk(server, slow).chat().completions().create(chat("mini")));
        assertEquals("rate_limit_error", errorType(limited));
        assertFalse(limited.headers().values("retry-after").isEmpty());
        assertEquals("0", limited.headers().values("x-ratelimit-remaining-requests").get(0));
        assertEquals("1", limited.headers().values("x-ratelimit-limit-requests").get(0));

        HttpResponse<String> adminByKey = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/key/generate"))
                .header("authorization", "Bearer " + onlyMini).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, adminByKey.statusCode(), adminByKey.body());
        assertTrue(adminByKey.body().contains("master key"));
    }
}
