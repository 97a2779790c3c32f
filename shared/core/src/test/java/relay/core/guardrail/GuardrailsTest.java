package relay.core.guardrail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import relay.core.config.ConfigException;
import relay.core.config.RelayConfig;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.RequestTrace;
import relay.core.log.RequestLog;
import relay.core.wire.RequestParser;

/** The built-in content filter and the guardrails' selection, masking and blocking, on request bodies. */
class GuardrailsTest {
    static final String CONFIG = """
            guardrails:
              - guardrail_name: pii-mask
                litellm_params:
                  guardrail: litellm_content_filter
                  mode: pre_call
                  default_on: true
                  patterns:
                    - {pattern_type: prebuilt, pattern_name: email, action: MASK}
                    - {pattern_type: prebuilt, pattern_name: phone, action: MASK}
                    - {pattern_type: prebuilt, pattern_name: credit_card, action: MASK}
                    - {pattern_type: prebuilt, pattern_name: iban, action: MASK}
                    - {pattern_type: prebuilt, pattern_name: aws_access_key, action: MASK}
              - guardrail_name: no-ssn
                litellm_params:
                  guardrail: litellm_content_filter
                  mode: [pre_call, post_call]
                  patterns:
                    - {pattern_type: prebuilt, pattern_name: us_ssn, action: BLOCK}
                  blocked_words:
                    - {keyword: project zeus, action: BLOCK}
                    - {keyword: internal, action: MASK}
              - guardrail_name: tickets
                litellm_params:
                  guardrail: litellm_content_filter
                  mode: pre_call
                  pattern_redaction_format: "<{pattern_name}>"
                  patterns:
                    - {pattern_type: regex, pattern: 'TICKET-\\d{4}', name: ticket, action: MASK}
              - guardrail_name: later
                litellm_params: {guardrail: litellm_content_filter, mode: post_call, patterns: [{pattern_name: email}]}
            """;

    final Guardrails guardrails = Guardrails.from(RelayConfig.parse(CONFIG));

    static ObjectNode body(String json) {
        return RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8));
    }

    static RequestTrace trace() {
        return new RequestTrace("req-1", Instant.parse("2025-06-01T12:00:00Z"), "POST /v1/chat/completions");
    }

    static String chat(String text) {
        return "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":" + relay.core.Json.write(text) + "}]}";
    }

    static String maskedText(Guardrails g, String text) {
        return g.screen(body(chat(text)), trace()).path("messages").get(0).path("content").asText();
    }

    @Test
    void defaultOn_masksEachKindWithItsToken_andLeavesTheRest() {
        String text = "Mail ann.lee+x@example.co.uk or call +1 (555) 123-4567; card 4111 1111 1111 1111, "
                + "IBAN DE89 3704 0044 0532 0130 00 and key AKIAIOSFODNN7EXAMPLE. Order 12345, 2024-01-15.";

        assertEquals("Mail [EMAIL_REDACTED] or call [PHONE_REDACTED]; card [CREDIT_CARD_REDACTED], "
                + "IBAN [IBAN_REDACTED] and key [AWS_ACCESS_KEY_REDACTED]. Order 12345, 2024-01-15.", maskedText(guardrails, text));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "card 4111 1111 1111 1112 (fails Luhn)",
            "IBAN DE89 3704 0044 0532 0130 01 (bad checksum)",
            "a date 2024-01-15 and a version 1.2.3",
            "not a key AKIAIOSFODNN7EXAMPL",
            "user@localhost has no domain"})
    void lookalikes_thatFailTheirChecks_areLeftAlone(String text) {
        assertEquals(text, maskedText(guardrails, text));
    }

    @Test
    void cardBrands_andIbanAtTheEndOfASentence() {
        assertEquals("pay with [CREDIT_CARD_REDACTED].", maskedText(guardrails, "pay with 3782-822463-10005."));
        assertEquals("to [IBAN_REDACTED] THANKS", maskedText(guardrails, "to GB82 WEST 1234 5698 7654 32 THANKS"));
    }

    @Test
    void aRequestedGuardrail_blocks_namingItself_andTheKind_neverTheValue() {
        RequestTrace trace = trace();
        String json = chat("my SSN is 123-45-6789, mail me at a@b.io")
                .replace("\"model\":\"m\"", "\"model\":\"m\",\"guardrails\":[\"no-ssn\"]");

        RelayException e = assertThrows(RelayException.class, () -> guardrails.screen(body(json), trace));

        assertEquals(ErrorKind.GUARDRAIL_BLOCKED, e.kind());
        assertEquals(400, e.kind().status());
        assertEquals("The request was blocked by the guardrail 'no-ssn': it contains US_SSN=1.", e.getMessage());
        RequestLog record = trace.finish(400, e.kind(), e.getMessage(), null, true, Duration.ofDays(1));
        assertEquals("pii-mask masked EMAIL=1; no-ssn blocked US_SSN=1", record.caller().metadata().get(Guardrails.LOG_KEY));
        assertFalse(record.bodies().request().contains("123-45-6789"), "the log keeps no blocked value");
        assertFalse(record.bodies().request().contains("a@b.io"), "nor a masked one");
        assertTrue(record.bodies().request().contains("[US_SSN_REDACTED]"), record.bodies().request());
    }

    @Test
    void guardrailsNamedInMetadata_run_too_andKeywordsMaskOrBlockAsWholeWords() {
        String masked = guardrails.screen(body(chat("internal notes, not internals")
                .replace("\"model\":\"m\"", "\"model\":\"m\",\"metadata\":{\"guardrails\":[\"no-ssn\"]}")), trace())
                .path("messages").get(0).path("content").asText();
        assertEquals("[KEYWORD_REDACTED] notes, not internals", masked);

        RelayException e = assertThrows(RelayException.class, () -> guardrails.screen(body(chat("About Project  ZEUS? no: project zeus!")
                .replace("\"model\":\"m\"", "\"model\":\"m\",\"guardrails\":{\"no-ssn\":{}}")), trace()));
        assertEquals("The request was blocked by the guardrail 'no-ssn': it contains KEYWORD=1.", e.getMessage());
    }

    @Test
    void customPatterns_andTheirRedactionFormat() {
        String json = chat("see TICKET-1234").replace("\"model\":\"m\"", "\"model\":\"m\",\"guardrails\":[\"tickets\"]");
        assertEquals("see <TICKET>", guardrails.screen(body(json), trace()).path("messages").get(0).path("content").asText());
    }

    @Test
    void aRequestWithNothingToMask_isTheSameBody_andLeavesNoNote() {
        ObjectNode given = body(chat("hello"));
        RequestTrace trace = trace();

        assertSame(given, guardrails.screen(given, trace));
        assertFalse(trace.finish(200, null, null, null, true, Duration.ofDays(1)).caller().metadata().containsKey(Guardrails.LOG_KEY));
    }

    @Test
    void theCallersBody_isNeverChanged() {
        ObjectNode given = body(chat("mail a@b.io"));
        ObjectNode screened = guardrails.screen(given, trace());

        assertEquals("mail a@b.io", given.path("messages").get(0).path("content").asText());
        assertEquals("mail [EMAIL_REDACTED]", screened.path("messages").get(0).path("content").asText());
    }

    @Test
    void unknownGuardrails_andOnesRelayDoesNotRun_areA400() {
        RelayException unknown = assertThrows(RelayException.class, () -> guardrails.screen(body(chat("x")
                .replace("\"model\":\"m\"", "\"model\":\"m\",\"guardrails\":[\"nope\"]")), trace()));
        assertEquals(400, unknown.kind().status());
        assertEquals("There is no guardrail 'nope'; configured: pii-mask, no-ssn, tickets.", unknown.getMessage());

        RelayException notRun = assertThrows(RelayException.class, () -> guardrails.screen(body(chat("x")
                .replace("\"model\":\"m\"", "\"model\":\"m\",\"guardrails\":[\"later\"]")), trace()));
        assertEquals("The guardrail 'later' is configured, but Relay does not run it: its mode is not pre_call.", notRun.getMessage());

        RelayException shape = assertThrows(RelayException.class, () -> guardrails.screen(body(chat("x")
                .replace("\"model\":\"m\"", "\"model\":\"m\",\"guardrails\":\"no-ssn\"")), trace()));
        assertEquals("guardrails", shape.param());
    }

    @Test
    void everyApisText_isScreened_butNotNamesIdsMediaOrSignedReasoning() {
        String anthropic = """
                {"model":"m","system":[{"type":"text","text":"Reply to a@b.io"}],
                 "messages":[
                   {"role":"user","content":[{"type":"text","text":"I am c@d.io"},
                     {"type":"image","source":{"type":"base64","media_type":"image/png","data":"x@y.io"}}]},
                   {"role":"assistant","content":[{"type":"thinking","thinking":"e@f.io","signature":"sig"},
                     {"type":"tool_use","id":"t@1.io","name":"send","input":{"to":"g@h.io"}}]},
                   {"role":"user","content":[{"type":"tool_result","tool_use_id":"t@1.io","content":"sent to g@h.io"}]}]}
                """;
        String screened = relay.core.Json.write(guardrails.screen(body(anthropic), trace()));
        for (String gone : List.of("a@b.io", "c@d.io", "g@h.io")) assertFalse(screened.contains(gone), gone + " in " + screened);
        for (String kept : List.of("\"data\":\"x@y.io\"", "\"thinking\":\"e@f.io\"", "\"id\":\"t@1.io\"", "\"tool_use_id\":\"t@1.io\"")) {
            assertTrue(screened.contains(kept), kept + " in " + screened);
        }

        String responses = "{\"model\":\"m\",\"instructions\":\"mail a@b.io\",\"input\":[{\"role\":\"user\",\"content\":"
                + "[{\"type\":\"input_text\",\"text\":\"c@d.io\"}]},{\"type\":\"function_call_output\",\"call_id\":\"c1\",\"output\":\"e@f.io\"}]}";
        assertFalse(relay.core.Json.write(guardrails.screen(body(responses), trace())).contains("@"));
        String completions = "{\"model\":\"m\",\"prompt\":[\"a@b.io\",\"plain\"]}";
        assertEquals("[\"[EMAIL_REDACTED]\",\"plain\"]", guardrails.screen(body(completions), trace()).path("prompt").toString());
        String embeddings = "{\"model\":\"m\",\"input\":\"a@b.io\"}";
        assertEquals("[EMAIL_REDACTED]", guardrails.screen(body(embeddings), trace()).path("input").asText());
        String toolCall = "{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"mail\",\"arguments\":\"{\\\"to\\\":\\\"a@b.io\\\"}\"}}]}]}";
        assertFalse(relay.core.Json.write(guardrails.screen(body(toolCall), trace())).contains("a@b.io"));
    }

    @Test
    void configErrors_nameTheSetting() {
        ConfigException prebuilt = assertThrows(ConfigException.class, () -> Guardrails.from(RelayConfig.parse("""
                guardrails:
                  - guardrail_name: g
                    litellm_params:
                      guardrail: litellm_content_filter
                      mode: pre_call
                      patterns: [{pattern_type: prebuilt, pattern_name: passport, action: MASK}]
                """)));
        assertTrue(prebuilt.getMessage().startsWith("guardrails[0].litellm_params.patterns[0].pattern_name: 'passport' is not a prebuilt"
                + " pattern; Relay has: aws_access_key, iban, credit_card"), prebuilt.getMessage());

        ConfigException regex = assertThrows(ConfigException.class, () -> Guardrails.from(RelayConfig.parse("""
                guardrails:
                  - guardrail_name: g
                    litellm_params:
                      guardrail: litellm_content_filter
                      mode: pre_call
                      patterns: [{pattern_type: regex, pattern: '([a-z', name: x, action: MASK}]
                """)));
        assertTrue(regex.getMessage().startsWith("guardrails[0].litellm_params.patterns[0].pattern: is not a valid regular expression"),
                regex.getMessage());

        ConfigException action = assertThrows(ConfigException.class, () -> Guardrails.from(RelayConfig.parse("""
                guardrails:
                  - guardrail_name: g
                    litellm_params: {guardrail: litellm_content_filter, mode: pre_call, patterns: [{pattern_name: email, action: REDACT}]}
                """)));
        assertEquals("guardrails[0].litellm_params.patterns[0].action: 'REDACT' is not an action; use MASK or BLOCK", action.getMessage());

        ConfigException mode = assertThrows(ConfigException.class, () -> Guardrails.from(RelayConfig.parse("""
                guardrails:
                  - guardrail_name: g
                    litellm_params: {guardrail: litellm_content_filter, patterns: [{pattern_name: email}]}
                """)));
        assertEquals("guardrails[0].litellm_params.mode: is required: pre_call (the one mode Relay runs)", mode.getMessage());
    }

    @Test
    void withoutGuardrails_nothingIsScreened_butNamingOneIsStillA400() {
        Guardrails none = Guardrails.from(RelayConfig.parse("model_list: []"));
        ObjectNode given = body(chat("a@b.io"));

        assertSame(given, none.screen(given, trace()));
        assertThrows(RelayException.class, () -> none.screen(body(chat("x").replace("\"model\":\"m\"",
                "\"model\":\"m\",\"guardrails\":[\"pii\"]")), trace()));
    }

    @ParameterizedTest
    @CsvSource({"4111111111111111,true", "4111111111111112,false", "378282246310005,true", "5555555555554444,true"})
    void luhn(String digits, boolean valid) {
        assertEquals(valid, Detector.luhn(digits));
    }

    @ParameterizedTest
    @CsvSource({"DE89370400440532013000,true", "GB82WEST12345698765432,true", "DE89370400440532013001,false", "XX00,false"})
    void ibanChecksum(String iban, boolean valid) {
        assertEquals(valid, Detector.validIban(iban));
    }
}
