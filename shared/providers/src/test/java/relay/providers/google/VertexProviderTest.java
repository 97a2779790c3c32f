package relay.providers.google;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.Deployment;
import relay.core.provider.EmbeddingResult;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.RequestParser;
import relay.providers.Providers;
import relay.testing.FakeGoogle;

/**
 * The Vertex AI adapter against a loopback server that is both Google's token endpoint (checking the
 * JWT's RS256 signature with the public half of a key pair made here) and Vertex AI.
 */
class VertexProviderTest {
    static final Duration TIMEOUT = Duration.ofSeconds(30); // no loopback answer comes near it, however loaded the machine
    static final String EMAIL = "relay@proj-from-json.iam.gserviceaccount.com";
    static final String CHAT = "{\"model\":\"my-vertex\",\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}";

    static FakeGoogle google;
    static HttpClient http;
    static KeyPair keys;
    static KeyPair otherKeys;
    static String serviceAccount;
    MutableClock clock;
    VertexProvider vertex;

    /** A clock the test moves forward, to let tokens expire. */
    static final class MutableClock extends Clock {
        Instant now = Instant.now();

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { return this; }
        @Override public Instant instant() { return now; }
    }

    @BeforeAll
    static void start() throws Exception {
        google = FakeGoogle.start();
        http = Providers.httpClient();
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048); // the size Google issues
        keys = generator.generateKeyPair();
        generator.initialize(1024); // only has to differ; smaller is faster to make
        otherKeys = generator.generateKeyPair();
        google.trust(EMAIL, keys.getPublic());
        serviceAccount = google.serviceAccountJson(EMAIL, "proj-from-json", keys);
    }

    @AfterAll
    static void stop() {
        http.shutdownNow();
        google.close();
    }

    @BeforeEach
    void reset() {
        google.reset();
        clock = new MutableClock();
        vertex = new VertexProvider(http, clock);
    }

    static ProviderCall<ChatCompletionRequest> chatCall(String apiBase, String key, Map<String, String> options) {
        ChatCompletionRequest request = RequestParser.chat(RequestParser.parseObject(CHAT.getBytes(StandardCharsets.UTF_8)));
        Deployment deployment = new Deployment("my-vertex", "vertex_ai", "gemini-2.5-pro", apiBase, null, TIMEOUT, options);
        return new ProviderCall<>(deployment, request, key, TIMEOUT);
    }

    static ProviderCall<ChatCompletionRequest> chatCall() {
        return chatCall(google.baseUrl(), serviceAccount, Map.of());
    }

    int tokenRequests() {
        return (int) google.requests().stream().filter(r -> r.path().equals("/token")).count();
    }

    @Test
    void chat_signsInWithASignedJwt_thenCallsVertexWithTheBearerToken() {
        int issuedBefore = google.tokensIssued();

        String text = vertex.chat(chatCall()).choices().get(0).message().text();

        assertEquals("Echo: one two three", text);
        FakeGoogle.Recorded token = google.requests().get(0);
        assertEquals("/token", token.path());
        assertTrue(token.headers().get("content-type").startsWith("application/x-www-form-urlencoded"));
        JsonNode claims = google.assertions().get(0);
        assertEquals(EMAIL, claims.path("iss").asText());
        assertEquals(google.tokenUri(), claims.path("aud").asText());
        assertEquals(AccessTokens.SCOPE, claims.path("scope").asText());
        FakeGoogle.Recorded call = google.lastRequest();
        assertEquals("/v1/projects/proj-from-json/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent", call.path());
        assertEquals("Bearer ya29.fake-access-token-" + (issuedBefore + 1), call.headers().get("authorization"));
    }

    @Test
    void theToken_isReusedUntilShortlyBeforeItExpires() {
        vertex.chat(chatCall());
        vertex.chat(chatCall());
        assertEquals(1, tokenRequests(), "a cached token");

        clock.now = clock.now.plus(Duration.ofMinutes(54)); // the token lives 3599 s; refreshed 5 min before
        vertex.chat(chatCall());
        assertEquals(1, tokenRequests(), "still fresh enough");

        clock.now = clock.now.plus(Duration.ofMinutes(2));
        vertex.chat(chatCall());
        assertEquals(2, tokenRequests(), "renewed before it expires");
    }

    @Test
    void tokens_areKeptPerServiceAccount() {
        String second = "second@proj-2.iam.gserviceaccount.com";
        google.trust(second, otherKeys.getPublic());

        vertex.chat(chatCall());
        vertex.chat(chatCall(google.baseUrl(), google.serviceAccountJson(second, "proj-2", otherKeys), Map.of()));
        vertex.chat(chatCall());

        assertEquals(2, tokenRequests());
        assertTrue(google.lastRequest().path().startsWith("/v1/projects/proj-from-json/"), google.lastRequest().path());
        assertEquals(List.of(EMAIL, second), google.assertions().stream().map(c -> c.path("iss").asText()).toList());
    }

    @Test
    void vertexProjectAndLocation_overrideTheKeyFilesProjectAndTheDefaultRegion() {
        vertex.chat(chatCall(google.baseUrl(), serviceAccount, Map.of("vertex_project", "other-proj", "vertex_location", "europe-west4")));

        assertEquals("/v1/projects/other-proj/locations/europe-west4/publishers/google/models/gemini-2.5-pro:generateContent",
                google.lastRequest().path());
    }

    @Test
    void anApiBaseNamingTheModel_isTheWholeBase_asInLiteLlm() {
        String base = google.baseUrl() + "/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-pro";

        vertex.chat(chatCall(base, serviceAccount, Map.of()));

        assertEquals("/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-pro:generateContent", google.lastRequest().path());
    }

    @Test
    void withoutApiBase_theRegionalOrGlobalHostIsUsed() {
        assertEquals("https://us-central1-aiplatform.googleapis.com/v1/projects/proj-from-json/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent",
                vertex.uri(chatCall(null, serviceAccount, Map.of()), "generateContent").toString());
        assertEquals("https://aiplatform.googleapis.com/v1/projects/proj-from-json/locations/global/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse",
                vertex.uri(chatCall(null, serviceAccount, Map.of("vertex_location", "global")), "streamGenerateContent?alt=sse").toString());
    }

    @Test
    void streamChat_usesTheSamePathWithSse() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();

        vertex.streamChat(chatCall(), chunks::add);

        assertEquals("/v1/projects/proj-from-json/locations/us-central1/publishers/google/models/gemini-2.5-pro:streamGenerateContent",
                google.lastRequest().path());
        assertEquals("alt=sse", google.lastRequest().query());
        assertTrue(google.lastRequest().headers().get("authorization").startsWith("Bearer ya29."));
        assertEquals("Echo: one two three", GeminiProviderTest.text(chunks));
    }

    @Test
    void embed_usesPredict_withTokenCounts() {
        EmbeddingRequest request = RequestParser.embedding(RequestParser.parseObject(
                "{\"model\":\"emb\",\"input\":[\"a b c\",\"d\"],\"dimensions\":3}".getBytes(StandardCharsets.UTF_8)));
        Deployment deployment = new Deployment("emb", "vertex_ai", "text-embedding-005", google.baseUrl(), null, TIMEOUT);

        EmbeddingResult result = vertex.embed(new ProviderCall<>(deployment, request, serviceAccount, TIMEOUT));

        assertEquals("/v1/projects/proj-from-json/locations/us-central1/publishers/google/models/text-embedding-005:predict",
                google.lastRequest().path());
        assertEquals(3, google.lastRequest().json().path("parameters").path("outputDimensionality").asInt());
        assertArrayEquals(FakeGoogle.vectorFor("a b c"), result.vectors().get(0));
        assertArrayEquals(FakeGoogle.vectorFor("d"), result.vectors().get(1));
        assertEquals(4, result.promptTokens());
    }

    @Test
    void aKeyTheTokenEndpointRejects_isAuthenticationError_namingTheAccountNotTheKey() {
        String untrusted = google.serviceAccountJson("stranger@x.iam.gserviceaccount.com", "x", otherKeys);

        RelayException e = assertThrows(RelayException.class, () -> vertex.chat(chatCall(google.baseUrl(), untrusted, Map.of())));

        assertEquals(ErrorKind.AUTHENTICATION, e.kind());
        assertTrue(e.getMessage().contains("stranger@x.iam.gserviceaccount.com"), e.getMessage());
        assertFalse(e.getMessage().contains("PRIVATE KEY"), e.getMessage());
        assertTrue(google.requests().stream().noneMatch(r -> r.path().startsWith("/v1/")), "no API call without a token");
    }

    @Test
    void aRevokedToken_isAuthenticationError_andTheNextCallSignsInAgain() {
        vertex.chat(chatCall());
        google.revokeTokens();

        RelayException e = assertThrows(RelayException.class, () -> vertex.chat(chatCall()));
        assertEquals(ErrorKind.AUTHENTICATION, e.kind());
        assertTrue(e.getMessage().startsWith("vertex_ai (gemini-2.5-pro) returned 401"), e.getMessage());

        assertEquals("Echo: one two three", vertex.chat(chatCall()).choices().get(0).message().text());
        assertEquals(2, tokenRequests());
    }

    @Test
    void aKeyThatIsNoServiceAccountJson_isAuthenticationError_withoutQuotingIt() {
        RelayException e = assertThrows(RelayException.class,
                () -> vertex.chat(chatCall(google.baseUrl(), "AIzaSyD-not-a-service-account-key-000", Map.of())));

        assertEquals(ErrorKind.AUTHENTICATION, e.kind());
        assertTrue(e.getMessage().contains("service-account JSON"), e.getMessage());
        assertFalse(e.getMessage().contains("not-a-service-account"), e.getMessage());
    }

    @Test
    void aKeyFileWithoutProject_andNoVertexProject_is400NamingTheSetting() {
        String noProject = serviceAccount.replace("\"project_id\":\"proj-from-json\",", "");

        RelayException e = assertThrows(RelayException.class, () -> vertex.chat(chatCall(google.baseUrl(), noProject, Map.of())));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("vertex_project"), e.getMessage());
    }

    @Test
    void aLocationThatIsNoId_isRejectedBeforeAnyCall() {
        RelayException e = assertThrows(RelayException.class,
                () -> vertex.chat(chatCall(google.baseUrl(), serviceAccount, Map.of("vertex_location", "us/../x"))));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertTrue(e.getMessage().contains("vertex_location"), e.getMessage());
    }

    @Test
    void theJwt_isRs256_signedByTheKeyFilesKey_andNamesItsKeyId() throws Exception {
        ServiceAccount account = ServiceAccount.parse(serviceAccount, "vertex_ai/x");
        Instant now = Instant.ofEpochSecond(1_700_000_000L);

        String[] jwt = AccessTokens.jwt(account, now).split("\\.");

        JsonNode header = Golden.parse(new String(Base64.getUrlDecoder().decode(jwt[0]), StandardCharsets.UTF_8));
        JsonNode claims = Golden.parse(new String(Base64.getUrlDecoder().decode(jwt[1]), StandardCharsets.UTF_8));
        assertEquals("RS256", header.path("alg").asText());
        assertEquals("fake-key-id-1", header.path("kid").asText());
        assertEquals(1_700_000_000L, claims.path("iat").asLong());
        assertEquals(1_700_003_600L, claims.path("exp").asLong());
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initVerify(keys.getPublic());
        rsa.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
        assertTrue(rsa.verify(Base64.getUrlDecoder().decode(jwt[2])));
        assertNotEquals(-1, account.toString().indexOf(EMAIL));
        assertFalse(account.toString().contains("PRIVATE"));
    }

    // ---- Anthropic's Messages API for Claude, through rawPredict ----

    static ProviderCall<relay.core.provider.NativeMessages.Request> claudeCall(Map<String, String> headers) {
        var body = (com.fasterxml.jackson.databind.node.ObjectNode) Golden.parse("{\"model\":\"my-claude\",\"max_tokens\":100,"
                + "\"system\":[{\"type\":\"text\",\"text\":\"Rules.\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        Deployment deployment = new Deployment("my-claude", "vertex_ai", "claude-sonnet-4-5@20250929", google.baseUrl(), null, TIMEOUT,
                Map.of("vertex_location", "europe-west1"));
        return new ProviderCall<>(deployment, new relay.core.provider.NativeMessages.Request(body, headers), serviceAccount, TIMEOUT);
    }

    @Test
    void nativeMessages_onlyForClaudeModels() {
        assertTrue(vertex.nativeMessages(claudeCall(Map.of()).deployment()) != null);
        assertEquals(null, vertex.nativeMessages(chatCall().deployment()), "Gemini: through chat");
    }

    @Test
    void claudeMessage_goesToRawPredict_signedIn_andComesBackUntouched() {
        String message = "{\"id\":\"msg_vrtx_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"Hi.\"}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                + "\"usage\":{\"input_tokens\":3,\"cache_read_input_tokens\":700,\"output_tokens\":2}}";
        google.enqueue(new FakeGoogle.Reply.Body(message));
        var call = claudeCall(Map.of("anthropic-beta", "context-1m-2025-08-07", "anthropic-version", "2023-06-01"));

        JsonNode answer = vertex.nativeMessages(call.deployment()).create(call);

        assertEquals(Golden.parse(message), answer);
        FakeGoogle.Recorded sent = google.lastRequest();
        assertEquals("/v1/projects/proj-from-json/locations/europe-west1/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict", sent.path());
        assertTrue(sent.headers().get("authorization").startsWith("Bearer ya29."));
        assertEquals("context-1m-2025-08-07", sent.headers().get("anthropic-beta"));
        JsonNode body = Golden.parse(sent.body());
        assertEquals("vertex-2023-10-16", body.path("anthropic_version").asText());
        assertFalse(body.has("model"));
        assertEquals("ephemeral", body.at("/system/0/cache_control/type").asText());
    }

    @Test
    void claudeStream_goesToStreamRawPredict_eventsHandedOnAsSent() {
        List<String> events = List.of("{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":3}}}",
                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hi\"}}",
                "{\"type\":\"content_block_stop\",\"index\":0}",
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":1}}",
                "{\"type\":\"message_stop\"}");
        google.enqueue(new FakeGoogle.Reply.Events(events));
        var call = claudeCall(Map.of());
        List<JsonNode> got = new java.util.ArrayList<>();

        vertex.nativeMessages(call.deployment()).stream(call, got::add);

        assertEquals(events.stream().map(Golden::parse).toList(), got);
        FakeGoogle.Recorded sent = google.lastRequest();
        assertTrue(sent.path().endsWith("/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict"), sent.path());
        assertTrue(Golden.parse(sent.body()).path("stream").asBoolean(), "Vertex streams when the body says so");
    }
}
