package relay.providers.bedrock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.core.Json;
import relay.core.config.ConfigException;
import relay.core.config.RelayConfig;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.RequestTrace;
import relay.core.guardrail.Guardrails;
import relay.core.wire.RequestParser;
import relay.providers.Providers;
import relay.testing.FakeBedrock;
import relay.testing.FakeBedrock.Reply;

/** A Bedrock Guardrail as config sets it up, against a loopback server answering as ApplyGuardrail does. */
class BedrockGuardrailTest {
    static FakeBedrock bedrock;
    static HttpClient http;
    BedrockProviderTest.RecordingSigner signer;
    Guardrails guardrails;

    @BeforeAll
    static void start() {
        bedrock = FakeBedrock.start();
        http = Providers.httpClient();
    }

    @AfterAll
    static void stop() {
        http.shutdownNow();
        bedrock.close();
    }

    @BeforeEach
    void wire() {
        bedrock.reset();
        signer = new BedrockProviderTest.RecordingSigner();
        guardrails = guardrails("mask_request_content: true");
    }

    Guardrails guardrails(String extra) {
        RelayConfig config = RelayConfig.parse("""
                guardrails:
                  - guardrail_name: bedrock-pii
                    litellm_params:
                      guardrail: bedrock
                      mode: pre_call
                      default_on: true
                      guardrailIdentifier: gr-abc123
                      guardrailVersion: "3"
                      aws_region_name: eu-west-1
                      api_base: %s
                      %s
                """.formatted(bedrock.baseUrl(), extra));
        return Guardrails.from(config, Map.of("bedrock", (name, on, params, where) ->
                BedrockGuardrail.from(name, on, params, where, http, Clock.systemUTC(), signer)));
    }

    static ObjectNode chat(String... texts) {
        StringBuilder messages = new StringBuilder();
        for (String text : texts) {
            if (!messages.isEmpty()) messages.append(',');
            messages.append("{\"role\":\"user\",\"content\":").append(Json.write(text)).append('}');
        }
        return RequestParser.parseObject(("{\"model\":\"m\",\"messages\":[" + messages + "]}").getBytes(StandardCharsets.UTF_8));
    }

    static RequestTrace trace() {
        return new RequestTrace("r", Instant.EPOCH, "POST /v1/chat/completions");
    }

    @Test
    void nothingFound_passesTheRequestAsItIs_afterASignedApplyGuardrailCall() {
        bedrock.enqueue(new Reply.Body("{\"action\":\"NONE\",\"outputs\":[],\"assessments\":[]}"));
        ObjectNode body = chat("hello", "how are you");

        assertSame(body, guardrails.screen(body, trace()));

        var sent = bedrock.lastRequest();
        assertEquals("/guardrail/gr-abc123/version/3/apply", sent.path());
        JsonNode request = sent.json();
        assertEquals("INPUT", request.path("source").asText());
        assertEquals("hello", request.path("content").get(0).path("text").path("text").asText());
        assertEquals("how are you", request.path("content").get(1).path("text").path("text").asText());
        assertTrue(sent.headers().get("authorization").contains("/eu-west-1/bedrock/aws4_request"), sent.headers().toString());
        assertEquals("bedrock", signer.calls.get(0).get("service"));
    }

    @Test
    void anonymized_replacesTheTexts_withBedrocksMaskedOnes_andCountsTheKinds() {
        bedrock.enqueue(new Reply.Body("""
                {"action":"GUARDRAIL_INTERVENED","outputs":[{"text":"mail {EMAIL}"},{"text":"ok"}],
                 "assessments":[{"sensitiveInformationPolicy":{"piiEntities":[
                   {"match":"a@b.io","type":"EMAIL","action":"ANONYMIZED"}]}}]}
                """));
        RequestTrace trace = trace();

        ObjectNode screened = guardrails.screen(chat("mail a@b.io", "ok"), trace);

        assertEquals("mail {EMAIL}", screened.path("messages").get(0).path("content").asText());
        var record = trace.finish(200, null, null, null, true, Duration.ofDays(1));
        assertEquals("bedrock-pii masked EMAIL=1", record.caller().metadata().get(Guardrails.LOG_KEY));
        assertFalse(Json.write(record).contains("a@b.io"));
    }

    @Test
    void aBlock_isA400NamingTheGuardrail_andTheKind() {
        bedrock.enqueue(new Reply.Body("""
                {"action":"GUARDRAIL_INTERVENED","outputs":[{"text":"Sorry, blocked."}],
                 "assessments":[{"topicPolicy":{"topics":[{"name":"Investment advice","type":"DENY","action":"BLOCKED"}]}}]}
                """));

        RelayException e = assertThrows(RelayException.class, () -> guardrails.screen(chat("which stock should I buy"), trace()));
        assertEquals(ErrorKind.GUARDRAIL_BLOCKED, e.kind());
        assertEquals("The request was blocked by the guardrail 'bedrock-pii': it contains INVESTMENT_ADVICE=1.", e.getMessage());
    }

    @Test
    void anonymizedWithoutMaskRequestContent_leavesTheText_asLiteLlmDoes() {
        Guardrails plain = guardrails("mask_request_content: false");
        bedrock.enqueue(new Reply.Body("""
                {"action":"GUARDRAIL_INTERVENED","outputs":[{"text":"mail {EMAIL}"}],
                 "assessments":[{"sensitiveInformationPolicy":{"piiEntities":[{"type":"EMAIL","action":"ANONYMIZED"}]}}]}
                """));
        ObjectNode body = chat("mail a@b.io");

        assertSame(body, plain.screen(body, trace()));
    }

    @Test
    void aGuardrailThatCannotBeConsulted_failsClosed() {
        bedrock.enqueue(new Reply.Error(403, "AccessDeniedException", "not authorized to perform bedrock:ApplyGuardrail"));

        RelayException e = assertThrows(RelayException.class, () -> guardrails.screen(chat("hi"), trace()));
        assertEquals(503, e.kind().status());
        assertEquals("The guardrail 'bedrock-pii' could not check the request: Bedrock answered 403. The request was not sent to"
                + " any model.", e.getMessage());
    }

    @Test
    void itsSettings_areChecked() {
        ConfigException e = assertThrows(ConfigException.class, () -> Guardrails.from(RelayConfig.parse("""
                guardrails:
                  - guardrail_name: g
                    litellm_params: {guardrail: bedrock, mode: pre_call, guardrailIdentifier: gr-1}
                """), Map.of("bedrock", (name, on, params, where) ->
                BedrockGuardrail.from(name, on, params, where, http, Clock.systemUTC(), signer))));
        assertEquals("guardrails[0].litellm_params.guardrailVersion: is required: a version number (\"1\") or DRAFT", e.getMessage());
    }
}
