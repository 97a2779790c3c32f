package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.Metadata;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.aws.RequestLogTable;
import relay.core.guardrail.Guardrails;
import relay.core.log.RequestLog;
import relay.testing.FakeAnthropic;
import relay.testing.FakeOpenAi;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * A LiteLLM user's config on the local server, driven by the official OpenAI Java SDK against a real upstream on
 * loopback: the guardrail masks and blocks before the upstream sees anything, tags and aliases pick the deployment
 * and never reach the upstream, environment_variables supply the key, model_info prices the answer.
 */
class ConfigCompatEndToEndTest {
    static final String VAULT_KEY = "sk-vault-upstream-0123456789";
    static final String EMAIL = "jane.doe@example.com";
    static final String SSN = "123-45-6789";
    static final String CARD = "4111 1111 1111 1111";

    static FakeOpenAi upstream;
    static FakeAnthropic anthropic;
    static LocalServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        upstream = FakeOpenAi.start();
        anthropic = FakeAnthropic.start();
        server = TestRelay.start("""
                model_list:
                  - model_name: gpt-4o
                    litellm_params:
                      model: openai/gpt-4o-free
                      api_base: %1$s
                      api_key: os.environ/OPENAI_API_KEY
                      tags: [free, default]
                    model_info: {input_cost_per_token: 0.01, output_cost_per_token: 0.02}
                  - model_name: gpt-4o
                    litellm_params:
                      model: openai/gpt-4o-paid
                      api_base: %1$s
                      api_key: os.environ/OPENAI_API_KEY
                      tags: [paid]
                  - model_name: claude
                    litellm_params: {model: anthropic/claude-sonnet-4-5, api_base: %2$s, api_key: os.environ/VAULT_ANTHROPIC_KEY}
                router_settings:
                  enable_tag_filtering: true
                  model_group_alias: {gpt-4: gpt-4o}
                  allowed_fails: 1000
                environment_variables:
                  OPENAI_API_KEY: os.environ/VAULT_OPENAI_KEY
                guardrails:
                  - guardrail_name: pii-mask
                    litellm_params:
                      guardrail: litellm_content_filter
                      mode: pre_call
                      default_on: true
                      patterns:
                        - {pattern_type: prebuilt, pattern_name: email, action: MASK}
                        - {pattern_type: prebuilt, pattern_name: credit_card, action: MASK}
                  - guardrail_name: no-ssn
                    litellm_params:
                      guardrail: litellm_content_filter
                      mode: pre_call
                      default_on: false
                      patterns:
                        - {pattern_type: prebuilt, pattern_name: us_ssn, action: BLOCK}
                """.formatted(upstream.baseUrl(), anthropic.baseUrl()),
                Map.of("VAULT_OPENAI_KEY", VAULT_KEY, "VAULT_ANTHROPIC_KEY", "sk-ant-e2e-0123456789"));
        client = TestRelay.sdk(server);
    }

    @AfterAll
    static void stop() {
        server.close();
        upstream.close();
        anthropic.close();
    }

    @BeforeEach
    void clean() {
        upstream.reset();
        anthropic.reset();
    }

    static String everythingTheUpstreamSaw() {
        return upstream.requests().stream().map(r -> r.headers() + "\n" + r.body()).collect(Collectors.joining("\n"));
    }

    static String logItem(String requestId) {
        TestRelay.log(server, requestId); // waits for the record
        return server.dynamoDbClient().getItem(b -> b.tableName(LocalServer.REQUEST_LOG_TABLE).consistentRead(true)
                .key(Map.of(RequestLogTable.PARTITION_KEY, AttributeValue.fromS(requestId)))).item().toString();
    }

    @Test
    void theDefaultGuardrail_masksPii_beforeTheUpstream_andTheLogHasOnlyCounts() {
        HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(ChatCompletionCreateParams.builder()
                .model("gpt-4o").addUserMessage("Mail " + EMAIL + " the receipt for card " + CARD).build());

        assertEquals("Echo: Mail [EMAIL_REDACTED] the receipt for card [CREDIT_CARD_REDACTED]",
                raw.parse().choices().get(0).message().content().orElseThrow());
        String seen = everythingTheUpstreamSaw();
        assertFalse(seen.contains(EMAIL) || seen.contains("jane.doe"), seen);
        assertFalse(seen.contains(CARD) || seen.contains("4111"), seen);
        String requestId = raw.headers().values("x-relay-request-id").get(0);
        RequestLog log = TestRelay.log(server, requestId);
        assertEquals("pii-mask masked CREDIT_CARD=1, EMAIL=1", log.caller().metadata().get(Guardrails.LOG_KEY));
        String item = logItem(requestId);
        assertFalse(item.contains(EMAIL) || item.contains(CARD), "the log keeps no masked value: " + item);
    }

    @Test
    void aStreamedRequest_isMaskedToo() {
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                .model("gpt-4o").addUserMessage("reach me at " + EMAIL).build())) {
            String text = stream.stream().flatMap(c -> c.choices().stream())
                    .map(c -> c.delta().content().orElse("")).collect(Collectors.joining());
            assertEquals("Echo: reach me at [EMAIL_REDACTED]", text);
        }
        assertFalse(everythingTheUpstreamSaw().contains(EMAIL));
    }

    @Test
    void aGuardrailTheRequestNames_blocks_with400NamingIt_andTheUpstreamSeesNothing() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("my SSN is " + SSN)
                        .putAdditionalBodyProperty("guardrails", JsonValue.from(List.of("no-ssn"))).build()));

        assertEquals(400, e.statusCode());
        assertTrue(e.getMessage().contains("blocked by the guardrail 'no-ssn'"), e.getMessage());
        assertFalse(e.getMessage().contains(SSN));
        assertTrue(upstream.requests().isEmpty(), everythingTheUpstreamSaw());

        // named in metadata, as LiteLLM also takes it
        BadRequestException byMetadata = assertThrows(BadRequestException.class, () -> client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("SSN " + SSN)
                        .metadata(ChatCompletionCreateParams.Metadata.builder()
                                .putAdditionalProperty("guardrails", JsonValue.from(List.of("no-ssn"))).build())
                        .build()));
        assertTrue(byMetadata.getMessage().contains("blocked by the guardrail 'no-ssn'"), byMetadata.getMessage());
        assertTrue(upstream.requests().isEmpty());
        // not named: the SSN is no business of the default guardrail
        client.chat().completions().create(ChatCompletionCreateParams.builder().model("gpt-4o").addUserMessage("SSN " + SSN).build());
        assertEquals(1, upstream.requests().size());
    }

    @Test
    void anthropicsMessagesApi_passedThroughToAnthropic_isMaskedToo_andRelaysMetadataStaysHome() {
        AnthropicClient claude = AnthropicOkHttpClient.builder().baseUrl(server.url()).apiKey(TestRelay.MASTER_KEY).maxRetries(0).build();

        Message message = claude.messages().create(MessageCreateParams.builder().model("claude").maxTokens(100)
                .system("You write to " + EMAIL + " only.")
                .addUserMessage("Forward this to " + EMAIL)
                .metadata(Metadata.builder().userId("u-1").putAdditionalProperty("tags", com.anthropic.core.JsonValue.from(List.of("paid"))).build())
                .build());

        assertEquals("Echo: Forward this to [EMAIL_REDACTED]", message.content().get(0).asText().text());
        var sent = anthropic.lastRequest().json();
        assertFalse(anthropic.lastRequest().body().contains(EMAIL), anthropic.lastRequest().body());
        assertEquals("u-1", sent.path("metadata").path("user_id").asText());
        assertFalse(sent.path("metadata").has("tags"), sent.toString());
    }

    @Test
    void tagsAndAliases_pickTheDeployment_andNeverReachTheUpstream() {
        HttpResponseFor<ChatCompletion> paid = client.chat().completions().withRawResponse().create(ChatCompletionCreateParams.builder()
                .model("gpt-4").addUserMessage("hi").putAdditionalBodyProperty("tags", JsonValue.from(List.of("paid")))
                .metadata(ChatCompletionCreateParams.Metadata.builder().putAdditionalProperty("team", JsonValue.from("search")).build())
                .build());

        assertEquals("openai/gpt-4o-paid", paid.headers().values("x-relay-model").get(0));
        var sent = upstream.lastRequest().json();
        assertEquals("gpt-4o-paid", sent.path("model").asText());
        assertFalse(sent.has("tags"), sent.toString());
        assertFalse(sent.has("metadata"), sent.toString());
        assertFalse(sent.has("guardrails"), sent.toString());

        HttpResponseFor<ChatCompletion> untagged = client.chat().completions().withRawResponse().create(ChatCompletionCreateParams.builder()
                .model("gpt-4o").addUserMessage("hi").build());
        assertEquals("openai/gpt-4o-free", untagged.headers().values("x-relay-model").get(0));
    }

    @Test
    void environmentVariables_supplyTheProviderKey_andModelInfo_pricesTheAnswer() {
        HttpResponseFor<ChatCompletion> raw = client.chat().completions().withRawResponse().create(ChatCompletionCreateParams.builder()
                .model("gpt-4o").addUserMessage("hello there").build());

        assertEquals("Bearer " + VAULT_KEY, upstream.lastRequest().headers().get("authorization"));
        // the upstream's 10 prompt and 5 completion tokens at model_info's 0.01 and 0.02
        assertEquals("0.2", raw.headers().values("x-relay-cost-usd").get(0));
        var models = client.models().list().data().stream().map(m -> m.id()).toList();
        assertTrue(models.contains("gpt-4"), "the alias is listed: " + models);
    }
}
