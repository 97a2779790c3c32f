package relay.providers.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import relay.core.Json;
import relay.core.config.ConfigException;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.guardrail.Findings;
import relay.core.guardrail.Guardrail;
import relay.core.guardrail.Texts;
import relay.core.log.Diagnostics;
import relay.core.provider.RequestSigner;
import relay.providers.http.ProviderHttp;

/**
 * A Bedrock Guardrail ({@code guardrail: bedrock}, LiteLLM's settings): the request's texts go to Bedrock's
 * {@code ApplyGuardrail} as input, signed with the process's AWS credentials (on Lambda, the function's role, which
 * needs {@code bedrock:ApplyGuardrail} on the guardrail). When Bedrock intervenes with a block, the request is refused
 * (400, naming the guardrail); when it only anonymizes, the texts are replaced by Bedrock's masked ones if
 * {@code mask_request_content: true} (LiteLLM's switch). A guardrail that cannot be consulted fails closed: 503, and
 * nothing reaches the provider.
 *
 * <pre>
 * guardrails:
 *   - guardrail_name: bedrock-pii
 *     litellm_params:
 *       guardrail: bedrock
 *       mode: pre_call
 *       guardrailIdentifier: gr-abc123
 *       guardrailVersion: "1"
 *       aws_region_name: us-east-1     # else AWS_REGION
 *       mask_request_content: true
 * </pre>
 */
public final class BedrockGuardrail implements Guardrail {
    /** How long Bedrock may take to judge a request; the request waits for it. */
    static final Duration TIMEOUT = Duration.ofSeconds(15);
    /** More than any ApplyGuardrail answer (its input is capped far below). */
    static final long MAX_ANSWER_BYTES = 4L * 1024 * 1024;
    private static final Pattern VERSION = Pattern.compile("DRAFT|[1-9][0-9]{0,7}");
    private static final Pattern REGION = Pattern.compile("[a-z0-9-]{1,32}");

    private final String name;
    private final boolean defaultOn;
    private final URI endpoint;
    private final String region;
    private final boolean maskRequestContent;
    private final HttpClient http;
    private final RequestSigner signer;

    private BedrockGuardrail(String name, boolean defaultOn, URI endpoint, String region, boolean maskRequestContent,
                             HttpClient http, RequestSigner signer) {
        this.name = name;
        this.defaultOn = defaultOn;
        this.endpoint = endpoint;
        this.region = region;
        this.maskRequestContent = maskRequestContent;
        this.http = http;
        this.signer = signer;
    }

    /** @param where the guardrail's {@code litellm_params} path, for messages */
    public static BedrockGuardrail from(String name, boolean defaultOn, Map<String, Object> params, String where,
                                        HttpClient http, Clock clock, RequestSigner signer) {
        if (!(params.get("guardrailIdentifier") instanceof String id) || id.isBlank()) {
            throw new ConfigException(where + ".guardrailIdentifier", "is required: the Bedrock guardrail's id or ARN");
        }
        Object givenVersion = params.get("guardrailVersion");
        String version = givenVersion == null ? null : String.valueOf(givenVersion).strip();
        if (version == null || !VERSION.matcher(version).matches()) {
            throw new ConfigException(where + ".guardrailVersion", "is required: a version number (\"1\") or DRAFT");
        }
        Object givenRegion = params.get("aws_region_name");
        String region = givenRegion == null ? BedrockProvider.regionFrom(System.getenv()) : String.valueOf(givenRegion).strip();
        if (!REGION.matcher(region).matches()) {
            throw new ConfigException(where + ".aws_region_name", "'" + region + "' is not a region name such as us-east-1");
        }
        Object mask = params.get("mask_request_content");
        if (mask != null && !(mask instanceof Boolean)) throw new ConfigException(where + ".mask_request_content", "must be true or false");
        Object apiBase = params.get("api_base");
        String base = apiBase == null ? "https://bedrock-runtime." + region + ".amazonaws.com" : String.valueOf(apiBase).strip();
        while (base.endsWith("/")) base = base.substring(0, base.length() - 1);
        URI endpoint;
        try {
            endpoint = URI.create(base + "/guardrail/" + encode(id.strip()) + "/version/" + encode(version) + "/apply");
            if (endpoint.getHost() == null) throw new IllegalArgumentException("no host");
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ".api_base", "is not a URL");
        }
        return new BedrockGuardrail(name, defaultOn, endpoint, region, Boolean.TRUE.equals(mask), http, signer);
    }

    private static String encode(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean defaultOn() {
        return defaultOn;
    }

    @Override
    public Findings screen(Texts texts) {
        if (texts.size() == 0) return Findings.NONE;
        ObjectNode body = Json.object().put("source", "INPUT");
        ArrayNode content = body.putArray("content");
        for (int i = 0; i < texts.size(); i++) content.addObject().putObject("text").put("text", texts.get(i));
        JsonNode answer = apply(Json.writeBytes(body));
        if (!"GUARDRAIL_INTERVENED".equals(answer.path("action").asText())) return Findings.NONE;
        Map<String, Integer> blocked = new LinkedHashMap<>();
        Map<String, Integer> anonymized = new LinkedHashMap<>();
        for (JsonNode assessment : answer.path("assessments")) count(assessment, null, blocked, anonymized);
        if (blocked.isEmpty() && anonymized.isEmpty()) blocked.put("BEDROCK_GUARDRAIL", 1); // intervened, without saying how
        if (blocked.isEmpty() && maskRequestContent) {
            JsonNode outputs = answer.path("outputs");
            if (outputs.size() != texts.size()) {
                // Bedrock's masked texts do not line up with what was sent: refusing is the only safe answer
                blocked.putAll(anonymized);
            } else {
                for (int i = 0; i < texts.size(); i++) texts.set(i, outputs.get(i).path("text").asText(texts.get(i)));
                return new Findings(anonymized, Map.of());
            }
        }
        return new Findings(Map.of(), blocked.isEmpty() ? Map.of() : blocked);
    }

    /** Counts each policy finding Bedrock acted on by its type or name; the matched text itself is never kept. */
    private static void count(JsonNode node, String policy, Map<String, Integer> blocked, Map<String, Integer> anonymized) {
        if (node.isArray()) {
            for (JsonNode item : node) count(item, policy, blocked, anonymized);
            return;
        }
        if (!node.isObject()) return;
        String action = node.path("action").asText("");
        if (action.equals("BLOCKED") || action.equals("ANONYMIZED")) {
            // a topic or regex by its name, a PII entity or content filter by its type; never the matched text
            String label = node.hasNonNull("name") ? node.get("name").asText() : node.hasNonNull("type") ? node.get("type").asText() : policy;
            label = (label == null ? "BEDROCK_GUARDRAIL" : label).toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_");
            (action.equals("BLOCKED") ? blocked : anonymized).merge(label, 1, Integer::sum);
            return;
        }
        for (var field : node.properties()) {
            if (!field.getKey().equals("match")) count(field.getValue(), field.getKey(), blocked, anonymized);
        }
    }

    private JsonNode apply(byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", "application/json");
        headers.put("accept", "application/json");
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint).timeout(TIMEOUT).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        try {
            signer.sign("POST", endpoint, headers, body, BedrockProvider.SIGNING_SERVICE, region).forEach((header, value) -> {
                String lower = header.toLowerCase(Locale.ROOT);
                if (!lower.equals("host") && !lower.equals("content-length") && !lower.equals("connection")) request.header(header, value);
            });
        } catch (RelayException e) {
            throw unavailable("Relay could not sign the call (" + e.getMessage() + ")");
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unavailable("Bedrock could not be reached (" + e.getClass().getSimpleName() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("the call was interrupted");
        }
        if (response.statusCode() / 100 != 2) {
            try (InputStream ignored = response.body()) {
                Diagnostics.warn("guardrail_failed", "guardrail", name, "status", response.statusCode(),
                        "error_type", response.headers().firstValue("x-amzn-ErrorType").orElse(""));
            } catch (IOException closing) {
                // the answer is an error either way
            }
            throw unavailable("Bedrock answered " + response.statusCode());
        }
        JsonNode node;
        try {
            node = ProviderHttp.readJson("Bedrock guardrail " + name, response.body(), MAX_ANSWER_BYTES);
        } catch (RelayException e) {
            throw unavailable("Bedrock's answer could not be read");
        }
        if (!node.isObject()) throw unavailable("Bedrock's answer was not readable");
        return node;
    }

    private RelayException unavailable(String why) {
        return new RelayException(ErrorKind.SERVICE_UNAVAILABLE, "The guardrail '" + name + "' could not check the request: "
                + why + ". The request was not sent to any model.");
    }
}
