package relay.providers.bedrock;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.Deployment;
import relay.core.provider.ProviderCall;
import relay.core.provider.RequestSigner;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.RequestParser;
import relay.providers.Providers;
import relay.testing.FakeBedrock;
import relay.testing.FakeBedrock.Reply;

/** The Bedrock adapter against a loopback server that speaks Converse, ConverseStream and InvokeModel. */
class BedrockProviderTest {
    static final String MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0";
    static final String ENCODED_MODEL = "anthropic.claude-3-5-sonnet-20240620-v1%3A0";
    static final String API_KEY = "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlMTIzNDU2";
    static final Duration TIMEOUT = Duration.ofSeconds(30); // no loopback answer comes near it, however loaded the machine
    static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_000L), ZoneOffset.UTC);
    static final String CHAT = "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"one two three\"}]}";

    static FakeBedrock upstream;
    static HttpClient http;
    RecordingSigner signer;
    BedrockProvider bedrock;

    /** Signs as a SigV4 signer would (adds authorization and x-amz-date; also host, which must not be sent) and records. */
    static final class RecordingSigner implements RequestSigner {
        final List<Map<String, Object>> calls = new ArrayList<>();

        @Override
        public Map<String, String> sign(String method, URI uri, Map<String, String> headers, byte[] body, String service, String region) {
            calls.add(Map.of("method", method, "uri", uri, "headers", Map.copyOf(headers), "body", body, "service", service, "region", region));
            Map<String, String> signed = new HashMap<>(headers);
            signed.put("Host", uri.getAuthority());
            signed.put("X-Amz-Date", "20240101T000000Z");
            signed.put("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/" + region + "/" + service
                    + "/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date, Signature=abc123");
            return signed;
        }
    }

    @BeforeAll
    static void start() {
        upstream = FakeBedrock.start();
        http = Providers.httpClient();
    }

    @AfterAll
    static void stop() {
        http.shutdownNow();
        upstream.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
        signer = new RecordingSigner();
        bedrock = new BedrockProvider(http, CLOCK, signer, "us-west-2");
    }

    static Deployment deployment(String model, String apiBase, Map<String, String> options) {
        return new Deployment("claude", "bedrock", model, apiBase, null, TIMEOUT, options);
    }

    static ProviderCall<ChatCompletionRequest> chatCall(String json) {
        return chatCall(json, Map.of("aws_region_name", "eu-west-1"), null);
    }

    static ProviderCall<ChatCompletionRequest> chatCall(String json, Map<String, String> options, String key) {
        ChatCompletionRequest request = RequestParser.chat(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
        return new ProviderCall<>(deployment(MODEL, upstream.baseUrl(), options), request, key, TIMEOUT);
    }

    static ProviderCall<EmbeddingRequest> embedCall(String model, String json) {
        EmbeddingRequest request = RequestParser.embedding(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
        return new ProviderCall<>(deployment(model, upstream.baseUrl(), Map.of()), request, null, TIMEOUT);
    }

    List<ChatCompletionChunk> stream(ProviderCall<ChatCompletionRequest> call, List<ChatCompletionChunk> into) {
        bedrock.streamChat(call, into::add);
        return into;
    }

    static String text(List<ChatCompletionChunk> chunks) {
        StringBuilder text = new StringBuilder();
        for (ChatCompletionChunk chunk : chunks) {
            for (var choice : chunk.choices()) {
                if (choice.delta().content() != null) text.append(choice.delta().text());
            }
        }
        return text.toString();
    }

    static RelayException assertFails(ErrorKind kind, Executable call) {
        RelayException e = assertThrows(RelayException.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("bedrock"), "names the provider: " + e.getMessage());
        assertFalse(e.getMessage().contains(API_KEY), "leaks the key: " + e.getMessage());
        return e;
    }

    // ---- chat ----

    @Test
    void chat_postsToConverse_underTheUrlEncodedModelId() {
        bedrock.chat(chatCall(CHAT));

        FakeBedrock.Recorded sent = upstream.lastRequest();
        assertEquals("POST", sent.method());
        assertEquals("/model/" + ENCODED_MODEL + "/converse", sent.path());
        assertEquals("one two three", sent.json().path("messages").get(0).path("content").get(0).path("text").asText());
        assertEquals("application/json", sent.headers().get("content-type"));
        assertEquals("application/json", sent.headers().get("accept"));
    }

    @Test
    void chat_signsTheExactBytesItSends_forServiceBedrock_inTheDeploymentsRegion() {
        bedrock.chat(chatCall(CHAT));

        FakeBedrock.Recorded sent = upstream.lastRequest();
        assertEquals(1, signer.calls.size());
        Map<String, Object> signed = signer.calls.get(0);
        assertEquals("POST", signed.get("method"));
        assertEquals(URI.create(upstream.baseUrl() + "/model/" + ENCODED_MODEL + "/converse"), signed.get("uri"));
        assertArrayEquals(sent.body().getBytes(StandardCharsets.UTF_8), (byte[]) signed.get("body"));
        assertEquals("bedrock", signed.get("service"));
        assertEquals("eu-west-1", signed.get("region"));
        assertEquals(Map.of("content-type", "application/json", "accept", "application/json"), signed.get("headers"));
        assertTrue(sent.headers().get("authorization").startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/eu-west-1/bedrock/aws4_request"));
        assertEquals("20240101T000000Z", sent.headers().get("x-amz-date"));
        assertEquals(upstream.baseUrl().substring("http://".length()), sent.headers().get("host"));
    }

    @Test
    void chat_withoutARegionSetting_signsForTheProcesssRegion() {
        bedrock.chat(chatCall(CHAT, Map.of(), null));

        assertEquals("us-west-2", signer.calls.get(0).get("region"));
    }

    @Test
    void chat_withAnApiKey_sendsItAsABedrockApiKey_andDoesNotSign() {
        bedrock.chat(chatCall(CHAT, Map.of(), API_KEY));

        assertEquals("Bearer " + API_KEY, upstream.lastRequest().headers().get("authorization"));
        assertTrue(signer.calls.isEmpty());
    }

    @Test
    void chat_withoutAwsCredentials_isAnAuthenticationError() {
        var unsigned = new BedrockProvider(http, CLOCK, RequestSigner.NONE, "us-east-1");

        assertFails(ErrorKind.AUTHENTICATION, () -> unsigned.chat(chatCall(CHAT)));
        assertTrue(upstream.requests().isEmpty());
    }

    @Test
    void chat_returnsTheAnswer_inOpenAisShape() {
        var response = bedrock.chat(chatCall(CHAT));

        assertTrue(response.id().startsWith("chatcmpl-"));
        assertEquals(1_700_000_000L, response.created());
        assertEquals(MODEL, response.model());
        assertEquals("Echo: one two three", response.choices().get(0).message().text());
        assertEquals("stop", response.choices().get(0).finishReason());
        assertEquals(15, response.usage().totalTokens());
    }

    @Test
    void chat_readsARecordedToolCall() {
        upstream.enqueue(new Reply.Body(Golden.text("fixtures/amazon-bedrock-tool-call.1.json")));

        var message = bedrock.chat(chatCall(CHAT)).choices().get(0);

        assertEquals("tool_calls", message.finishReason());
        assertEquals("bash", message.message().toolCalls().get(0).function().name());
        assertEquals("{\"command\":\"ls -l\"}", message.message().toolCalls().get(0).function().arguments());
    }

    @Test
    void chat_httpErrors_keepBedrocksKindAndWords() {
        upstream.enqueue(new Reply.Error(429, "ThrottlingException", "Too many requests, please wait before trying again."),
                new Reply.Error(400, "ValidationException", "Input is too long for requested model."),
                new Reply.Error(403, "AccessDeniedException", "You don't have access to the model with the specified model ID."));

        RelayException throttled = assertFails(ErrorKind.RATE_LIMIT, () -> bedrock.chat(chatCall(CHAT)));
        assertFails(ErrorKind.CONTEXT_WINDOW_EXCEEDED, () -> bedrock.chat(chatCall(CHAT)));
        assertFails(ErrorKind.PERMISSION_DENIED, () -> bedrock.chat(chatCall(CHAT)));
        assertTrue(throttled.getMessage().contains("Too many requests"), throttled.getMessage());
    }

    @Test
    void chat_errorsNeverHoldTheApiKey() {
        upstream.enqueue(new Reply.Error(400, "ValidationException", "Bad token " + API_KEY));

        assertFails(ErrorKind.INVALID_REQUEST, () -> bedrock.chat(chatCall(CHAT, Map.of(), API_KEY)));
    }

    @Test
    void chat_anAnswerThatIsNotConverse_isAProviderError() {
        upstream.enqueue(new Reply.Body("{\"output\": 3}"));

        assertFails(ErrorKind.PROVIDER_ERROR, () -> bedrock.chat(chatCall(CHAT)));
    }

    // ---- endpoint and region ----

    @Test
    void withoutApiBase_theEndpointIsBedrockRuntimeInTheRegion_andArnsAreEncoded() {
        String arn = "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-5-sonnet-20240620-v1:0";
        var call = new ProviderCall<>(deployment(arn, null, Map.of("aws_region_name", "eu-west-1")), null, null, TIMEOUT);

        assertEquals(URI.create("https://bedrock-runtime.eu-west-1.amazonaws.com/model/"
                + "arn%3Aaws%3Abedrock%3Aeu-west-1%3A123456789012%3Ainference-profile%2Feu.anthropic.claude-3-5-sonnet-20240620-v1%3A0"
                + "/converse-stream"), bedrock.uri(call, "converse-stream"));
    }

    @Test
    void aRegionThatIsNoRegionName_isRejected() {
        assertFails(ErrorKind.INVALID_REQUEST, () -> bedrock.chat(chatCall(CHAT, Map.of("aws_region_name", "evil.com/x"), null)));
    }

    @Test
    void theDefaultRegion_comesFromAwsRegion_thenAwsDefaultRegion_thenUsEast1() {
        assertEquals("ap-south-1", BedrockProvider.regionFrom(Map.of("AWS_REGION", "ap-south-1", "AWS_DEFAULT_REGION", "x")));
        assertEquals("eu-central-1", BedrockProvider.regionFrom(Map.of("AWS_DEFAULT_REGION", "eu-central-1")));
        assertEquals("us-east-1", BedrockProvider.regionFrom(Map.of()));
    }

    @Test
    void supportedParams_excludeWhatConverseCannotDo() {
        var supported = bedrock.supportedChatParams();

        assertTrue(supported.containsAll(List.of("temperature", "top_p", "max_tokens", "stop", "tools", "response_format")));
        assertFalse(supported.contains("n"));
        assertFalse(supported.contains("seed"));
        assertFalse(supported.contains("logprobs"));
    }

    @Test
    void providers_includeBedrock_withoutAKeyName() {
        var all = Providers.all(http, CLOCK, RequestSigner.NONE);
        var found = all.stream().filter(p -> p.name().equals("bedrock")).findFirst().orElseThrow();

        assertNull(found.defaultKeyName());
    }

    // ---- streaming ----

    @Test
    void stream_postsToConverseStream_andDeliversOpenAiChunks() {
        var chunks = stream(chatCall(CHAT), new ArrayList<>());

        FakeBedrock.Recorded sent = upstream.lastRequest();
        assertEquals("/model/" + ENCODED_MODEL + "/converse-stream", sent.path());
        assertEquals("application/vnd.amazon.eventstream", sent.headers().get("accept"));
        assertEquals("assistant", chunks.get(0).choices().get(0).delta().role());
        assertEquals("Echo: one two three", text(chunks));
        assertEquals("stop", chunks.get(chunks.size() - 2).choices().get(0).finishReason());
        ChatCompletionChunk usage = chunks.get(chunks.size() - 1);
        assertTrue(usage.choices().isEmpty());
        assertEquals(15, usage.usage().totalTokens());
        assertTrue(chunks.stream().allMatch(c -> c.id().equals(chunks.get(0).id()) && c.model().equals(MODEL)));
    }

    @Test
    void stream_recordedToolCall_becomesToolCallDeltas() {
        upstream.enqueue(new Reply.Events(Golden.lines("fixtures/amazon-bedrock-tool-call.1.chunks.txt")));

        var chunks = stream(chatCall(CHAT), new ArrayList<>());

        var first = chunks.get(1).choices().get(0).delta().toolCalls().get(0);
        assertEquals(0, first.index());
        assertEquals("tool-use-id", first.id());
        assertEquals("test-tool", first.function().name());
        StringBuilder arguments = new StringBuilder();
        chunks.stream().flatMap(c -> c.choices().stream()).filter(c -> c.delta().toolCalls() != null)
                .forEach(c -> arguments.append(c.delta().toolCalls().get(0).function().arguments()));
        assertEquals("{\"value\":\"Sparkle Day\"}", arguments.toString());
        assertEquals("tool_calls", chunks.get(chunks.size() - 2).choices().get(0).finishReason());
    }

    @Test
    void stream_anExceptionEventMidStream_failsWithItsKind_afterTheChunksSoFar() {
        upstream.enqueue(new Reply.StreamException(2, "throttlingException", "Too many tokens, please wait."));
        List<ChatCompletionChunk> got = new ArrayList<>();

        RelayException e = assertFails(ErrorKind.RATE_LIMIT, () -> stream(chatCall(CHAT), got));

        assertTrue(e.getMessage().contains("throttlingException"), e.getMessage());
        assertEquals(2, got.size());
    }

    @Test
    void stream_aModelStreamError_isAProviderError() {
        upstream.enqueue(new Reply.StreamException(1, "modelStreamErrorException", "The model failed."));

        assertFails(ErrorKind.PROVIDER_ERROR, () -> stream(chatCall(CHAT), new ArrayList<>()));
    }

    @Test
    void stream_endingBeforeMessageStop_isAProviderError() {
        upstream.enqueue(new Reply.Truncated());

        RelayException e = assertFails(ErrorKind.PROVIDER_ERROR, () -> stream(chatCall(CHAT), new ArrayList<>()));
        assertTrue(e.getMessage().contains("messageStop"), e.getMessage());
    }

    @Test
    void stream_aCorruptFrame_isAProviderError() {
        upstream.enqueue(new Reply.Corrupt());

        RelayException e = assertFails(ErrorKind.PROVIDER_ERROR, () -> stream(chatCall(CHAT), new ArrayList<>()));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void stream_anHttpErrorBeforeTheStream_keepsItsKind() {
        upstream.enqueue(new Reply.Error(503, "ServiceUnavailableException", "Bedrock is unable to process your request."));

        assertFails(ErrorKind.PROVIDER_UNAVAILABLE, () -> stream(chatCall(CHAT), new ArrayList<>()));
    }

    // ---- embeddings ----

    @Test
    void titanEmbeddings_callInvokeOncePerText_withDimensions() {
        var result = bedrock.embed(embedCall("amazon.titan-embed-text-v2:0",
                "{\"model\":\"e\",\"input\":[\"hello\",\"hi\"],\"dimensions\":256}"));

        List<FakeBedrock.Recorded> sent = upstream.requests();
        assertEquals(2, sent.size());
        assertEquals("/model/amazon.titan-embed-text-v2%3A0/invoke", sent.get(0).path());
        assertEquals("hello", sent.get(0).json().path("inputText").asText());
        assertEquals(256, sent.get(0).json().path("dimensions").asInt());
        assertEquals("hi", sent.get(1).json().path("inputText").asText());
        assertArrayEquals(FakeBedrock.vectorFor("hello"), result.vectors().get(0));
        assertArrayEquals(FakeBedrock.vectorFor("hi"), result.vectors().get(1));
        assertEquals(6, result.promptTokens());
        assertEquals("bedrock", signer.calls.get(0).get("service"));
    }

    @Test
    void cohereEmbeddings_sendOneBatch_asSearchDocumentsUnlessTheClientSaysOtherwise() {
        var result = bedrock.embed(embedCall("cohere.embed-english-v3", "{\"model\":\"e\",\"input\":[\"a b\",\"c\"]}"));
        bedrock.embed(embedCall("cohere.embed-english-v3", "{\"model\":\"e\",\"input\":\"q\",\"input_type\":\"search_query\"}"));

        List<FakeBedrock.Recorded> sent = upstream.requests();
        assertEquals("/model/cohere.embed-english-v3/invoke", sent.get(0).path());
        assertEquals("search_document", sent.get(0).json().path("input_type").asText());
        assertEquals(2, sent.get(0).json().path("texts").size());
        assertEquals("search_query", sent.get(1).json().path("input_type").asText());
        assertArrayEquals(FakeBedrock.vectorFor("c"), result.vectors().get(1));
    }

    @Test
    void embeddings_ofAModelWithUnknownFormat_orTokenInput_areRejected() {
        assertFails(ErrorKind.INVALID_REQUEST, () -> bedrock.embed(embedCall("meta.llama3-8b-instruct-v1:0", "{\"model\":\"e\",\"input\":\"x\"}")));
        RelayException tokens = assertThrows(RelayException.class,
                () -> bedrock.embed(embedCall("amazon.titan-embed-text-v2:0", "{\"model\":\"e\",\"input\":[1,2,3]}")));
        assertEquals(ErrorKind.INVALID_REQUEST, tokens.kind());
        assertTrue(upstream.requests().isEmpty());
    }

    // ---- Anthropic's Messages API for Claude, through InvokeModel ----

    static final String CLAUDE_MESSAGE = "{\"id\":\"msg_bdrk_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
            + "\"content\":[{\"type\":\"thinking\",\"thinking\":\"Hmm.\",\"signature\":\"EqQBsigned\"},{\"type\":\"text\",\"text\":\"Hi.\"}],"
            + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"cache_read_input_tokens\":900,\"output_tokens\":7}}";
    static final String MESSAGES_BODY = "{\"model\":\"my-claude\",\"max_tokens\":1024,\"stream\":false,\"metadata\":{\"user_id\":\"u1\"},"
            + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024},\"system\":[{\"type\":\"text\",\"text\":\"Long rules.\","
            + "\"cache_control\":{\"type\":\"ephemeral\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    static ProviderCall<relay.core.provider.NativeMessages.Request> messagesCall(String model, Map<String, String> headers) {
        var body = (com.fasterxml.jackson.databind.node.ObjectNode) relay.providers.compatible.Golden.parse(MESSAGES_BODY);
        return new ProviderCall<>(deployment(model, upstream.baseUrl(), Map.of("aws_region_name", "eu-west-1")),
                new relay.core.provider.NativeMessages.Request(body, headers), null, TIMEOUT);
    }

    static String chunk(String claudeEvent) {
        return "{\"chunk\":{\"bytes\":\"" + java.util.Base64.getEncoder().encodeToString(claudeEvent.getBytes(StandardCharsets.UTF_8)) + "\"}}";
    }

    @Test
    void nativeMessages_onlyForClaudeModels() {
        assertTrue(bedrock.nativeMessages(deployment(MODEL, null, Map.of())) != null);
        assertTrue(bedrock.nativeMessages(deployment("us.anthropic.claude-sonnet-4-5-20250929-v1:0", null, Map.of())) != null);
        assertTrue(bedrock.nativeMessages(deployment("arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
                null, Map.of())) != null);
        assertNull(bedrock.nativeMessages(deployment("amazon.nova-pro-v1:0", null, Map.of())), "through Converse");
        assertNull(bedrock.nativeMessages(deployment("meta.llama3-70b-instruct-v1:0", null, Map.of())));
    }

    @Test
    void claudeMessage_goesToInvokeModelAsBedrockTakesIt_andComesBackUntouched() {
        upstream.enqueue(new Reply.Body(CLAUDE_MESSAGE));
        var call = messagesCall(MODEL, Map.of("anthropic-version", "2023-06-01", "anthropic-beta", "interleaved-thinking-2025-05-14, prompt-caching-2024-07-31"));

        var answer = bedrock.nativeMessages(call.deployment()).create(call);

        assertEquals(relay.providers.compatible.Golden.parse(CLAUDE_MESSAGE), answer);
        var sent = upstream.lastRequest();
        assertEquals("/model/" + ENCODED_MODEL + "/invoke", sent.path());
        var body = relay.providers.compatible.Golden.parse(sent.body());
        assertEquals("bedrock-2023-05-31", body.path("anthropic_version").asText());
        assertFalse(body.has("model"), "the URL names the model");
        assertFalse(body.has("stream"));
        assertEquals("[\"interleaved-thinking-2025-05-14\",\"prompt-caching-2024-07-31\"]", body.path("anthropic_beta").toString());
        assertEquals("ephemeral", body.at("/system/0/cache_control/type").asText(), "prompt caching survives");
        assertEquals(1024, body.at("/thinking/budget_tokens").asInt());
        assertEquals("u1", body.at("/metadata/user_id").asText());
        assertEquals("bedrock", signer.calls.get(0).get("service"));
        assertEquals("eu-west-1", signer.calls.get(0).get("region"));
        assertTrue(sent.headers().get("authorization").startsWith("AWS4-HMAC-SHA256"));
    }

    @Test
    void claudeStream_handsOnEachEventOfTheChunks_untilMessageStop() {
        List<String> claudeEvents = List.of(
                "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],"
                        + "\"model\":\"claude\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}",
                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"EqQBsigned\"}}",
                "{\"type\":\"content_block_stop\",\"index\":0}",
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":9}}",
                "{\"type\":\"message_stop\",\"amazon-bedrock-invocationMetrics\":{\"inputTokenCount\":5,\"outputTokenCount\":9}}");
        upstream.enqueue(new Reply.Events(claudeEvents.stream().map(BedrockProviderTest::chunk).toList()));
        var call = messagesCall("us.anthropic.claude-sonnet-4-5-20250929-v1:0", Map.of());
        List<com.fasterxml.jackson.databind.JsonNode> got = new ArrayList<>();

        bedrock.nativeMessages(call.deployment()).stream(call, got::add);

        assertEquals(claudeEvents.stream().map(relay.providers.compatible.Golden::parse).toList(), got, "as Claude sent them");
        var sent = upstream.lastRequest();
        assertEquals("/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream", sent.path());
        assertEquals(BedrockProvider.EVENT_STREAM, sent.headers().get("accept"));
        assertFalse(relay.providers.compatible.Golden.parse(sent.body()).has("stream"));
    }

    @Test
    void claudeStream_errorEventOrNoMessageStop_fails() {
        upstream.enqueue(new Reply.Events(List.of(chunk("{\"type\":\"message_start\",\"message\":{\"usage\":{}}}"),
                chunk("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"))));
        upstream.enqueue(new Reply.Events(List.of(chunk("{\"type\":\"message_start\",\"message\":{\"usage\":{}}}"))));
        var call = messagesCall(MODEL, Map.of());
        var claude = bedrock.nativeMessages(call.deployment());

        RelayException overloaded = assertThrows(RelayException.class, () -> claude.stream(call, e -> { }));
        RelayException cut = assertThrows(RelayException.class, () -> claude.stream(call, e -> { }));

        assertTrue(overloaded.getMessage().contains("Overloaded"), overloaded.getMessage());
        assertEquals(ErrorKind.PROVIDER_UNAVAILABLE, overloaded.kind(), "Claude's overloaded_error, as Anthropic's own 529");
        assertTrue(overloaded.getMessage().startsWith("bedrock"), overloaded.getMessage());
        assertEquals(ErrorKind.PROVIDER_ERROR, cut.kind());
        assertTrue(cut.getMessage().contains("before message_stop"), cut.getMessage());
    }
}
