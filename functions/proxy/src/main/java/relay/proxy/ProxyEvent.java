package relay.proxy;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import relay.core.Json;
import relay.core.api.ApiRequest;
import relay.core.api.ApiResponse;
import relay.core.error.ErrorKind;
import relay.core.wire.ErrorBody;

/**
 * A Lambda event from API Gateway or a Function URL, read from its JSON: REST API proxy events
 * (payload 1.0) and HTTP API or Function URL events (payload 2.0). Relay's own runtime loop and the
 * handler for AWS's runtime client both read events here.
 */
public sealed interface ProxyEvent {
    /**
     * How long before Lambda's deadline Relay stops working on an answer, so that the request log's
     * DynamoDB write (which gives up after 5 s, see AwsClients) still fits in the invocation.
     */
    Duration DEADLINE_MARGIN = Duration.ofSeconds(5);

    /** Who sent the event, which decides how the answer goes back. */
    enum Source {
        /** An API Gateway REST API (payload 1.0); its integrations stream (responseTransferMode STREAM). */
        REST_API,
        /** An API Gateway HTTP API (payload 2.0): it cannot stream, so the answer is one JSON document. */
        HTTP_API,
        /** A Lambda Function URL (payload 2.0), streamed (invoke mode RESPONSE_STREAM). */
        FUNCTION_URL
    }

    Source source();

    /** A request to answer. */
    record Readable(Source source, ApiRequest request) implements ProxyEvent {}

    /** An event whose request cannot be read (not JSON, a body that is not the base64 it claims): answered with a 400. */
    record Unreadable(Source source, ApiResponse answer) implements ProxyEvent {}

    /**
     * Reads an event. {@code lambdaRequestId} names the request when the event carries no request id of
     * its own; {@code lambdaDeadline} (null: none) is when Lambda stops the invocation.
     */
    static ProxyEvent read(byte[] json, String lambdaRequestId, Instant lambdaDeadline) {
        String fallbackId = lambdaRequestId != null ? lambdaRequestId : UUID.randomUUID().toString();
        JsonNode event;
        try {
            event = tree(json);
        } catch (IOException | RuntimeException e) {
            event = null;
        }
        if (event == null) {
            return new Unreadable(Source.REST_API, badRequest(fallbackId, "The Lambda event is not a JSON object."));
        }
        JsonNode context = event.path("requestContext");
        String requestId = context.path("requestId").isTextual() ? context.path("requestId").asText() : fallbackId;
        boolean v2 = "2.0".equals(event.path("version").asText()) || context.has("http");
        Source source = !v2 ? Source.REST_API
                : context.path("domainName").asText().contains(".lambda-url.") ? Source.FUNCTION_URL : Source.HTTP_API;
        byte[] body;
        try {
            body = body(event);
        } catch (IllegalArgumentException e) {
            return new Unreadable(source, badRequest(requestId, "The request body is marked base64 but is not valid base64."));
        }
        Instant deadline = lambdaDeadline == null ? null : answerBy(lambdaDeadline, Instant.now());
        ApiRequest request = v2
                ? new ApiRequest(requestId, text(context.path("http").path("method"), "GET"),
                        text(event.path("rawPath"), text(context.path("http").path("path"), "/")),
                        v2Headers(event), v2Query(event), body, deadline)
                : new ApiRequest(requestId, text(event.path("httpMethod"), "GET"), text(event.path("path"), "/"),
                        v1Headers(event), v1Query(event), body, deadline);
        return new Readable(source, request);
    }

    /**
     * The event as a tree, less what Relay never reads of {@code requestContext} (often a third of the event):
     * skipping it is cheaper than building it. Null when the event is not a JSON object.
     */
    private static ObjectNode tree(byte[] json) throws IOException {
        try (JsonParser parser = Json.MAPPER.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) return null;
            ObjectNode event = Json.object();
            for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
                JsonToken value = parser.nextToken();
                if (name.equals("requestContext") && value == JsonToken.START_OBJECT) {
                    ObjectNode context = event.putObject(name);
                    for (String field = parser.nextFieldName(); field != null; field = parser.nextFieldName()) {
                        parser.nextToken();
                        // the only parts Relay reads; the rest (identity, authorizer, ...) is skipped unparsed
                        if (field.equals("requestId") || field.equals("domainName") || field.equals("http")) {
                            context.set(field, parser.readValueAsTree());
                        } else {
                            parser.skipChildren();
                        }
                    }
                } else {
                    event.set(name, parser.readValueAsTree());
                }
            }
            return event;
        }
    }

    /** Lambda's deadline less {@link #DEADLINE_MARGIN}, but never less than half the time that is left. */
    static Instant answerBy(Instant lambdaDeadline, Instant now) {
        Duration left = Duration.between(now, lambdaDeadline);
        if (left.isNegative()) return lambdaDeadline;
        Duration margin = left.dividedBy(2).compareTo(DEADLINE_MARGIN) < 0 ? left.dividedBy(2) : DEADLINE_MARGIN;
        return lambdaDeadline.minus(margin);
    }

    /** The answer as one proxy-integration JSON document ({@code statusCode}, {@code headers}, {@code body}), for payload 1.0 and 2.0 alike. */
    static byte[] bufferedAnswer(ApiResponse response) {
        ObjectNode answer = Json.object();
        answer.put("statusCode", response.status());
        ObjectNode headers = answer.putObject("headers");
        if (response.headers() != null) response.headers().forEach(headers::put);
        answer.put("body", response.body() == null ? "" : response.body());
        answer.put("isBase64Encoded", false);
        return Json.writeBytes(answer);
    }

    private static ApiResponse badRequest(String requestId, String message) {
        return new ApiResponse(ErrorKind.INVALID_REQUEST.status(),
                Map.of("content-type", "application/json", "x-relay-request-id", requestId),
                Json.write(ErrorBody.of(message, ErrorKind.INVALID_REQUEST.type(), null, null)));
    }

    private static byte[] body(JsonNode event) {
        JsonNode body = event.path("body");
        if (!body.isTextual()) return new byte[0];
        return event.path("isBase64Encoded").asBoolean(false)
                ? Base64.getDecoder().decode(body.asText())
                : body.asText().getBytes(StandardCharsets.UTF_8);
    }

    private static String text(JsonNode node, String otherwise) {
        return node.isTextual() && !node.asText().isEmpty() ? node.asText() : otherwise;
    }

    /** Payload 1.0: every value of a repeated header (joined with commas), else the single-value map. */
    private static Map<String, String> v1Headers(JsonNode event) {
        Map<String, String> headers = new HashMap<>();
        JsonNode multi = event.path("multiValueHeaders");
        if (multi.isObject() && !multi.isEmpty()) {
            multi.properties().forEach(e -> {
                StringBuilder joined = new StringBuilder();
                e.getValue().forEach(v -> joined.append(joined.isEmpty() ? "" : ",").append(v.asText()));
                headers.put(e.getKey().toLowerCase(Locale.ROOT), joined.toString());
            });
            return headers;
        }
        stringFields(event.path("headers"), (name, value) -> headers.put(name.toLowerCase(Locale.ROOT), value));
        return headers;
    }

    /** Payload 2.0: headers as API Gateway joined them; the cookies it moved out go back into {@code cookie}. */
    private static Map<String, String> v2Headers(JsonNode event) {
        Map<String, String> headers = new HashMap<>();
        stringFields(event.path("headers"), (name, value) -> headers.put(name.toLowerCase(Locale.ROOT), value));
        JsonNode cookies = event.path("cookies");
        if (cookies.isArray() && !cookies.isEmpty() && !headers.containsKey("cookie")) {
            StringBuilder joined = new StringBuilder();
            cookies.forEach(c -> joined.append(joined.isEmpty() ? "" : "; ").append(c.asText()));
            headers.put("cookie", joined.toString());
        }
        return headers;
    }

    /** Payload 1.0: the first value of each parameter. */
    private static Map<String, String> v1Query(JsonNode event) {
        Map<String, String> query = new LinkedHashMap<>();
        JsonNode multi = event.path("multiValueQueryStringParameters");
        if (multi.isObject()) {
            multi.properties().forEach(e -> {
                if (e.getValue().isArray() && !e.getValue().isEmpty()) query.put(e.getKey(), e.getValue().get(0).asText());
            });
            return query;
        }
        stringFields(event.path("queryStringParameters"), query::put);
        return query;
    }

    /** Payload 2.0: API Gateway's parsed map or, failing that, the raw query string (first value of each). */
    private static Map<String, String> v2Query(JsonNode event) {
        Map<String, String> query = new LinkedHashMap<>();
        if (event.path("queryStringParameters").isObject()) {
            stringFields(event.path("queryStringParameters"), query::put);
            return query;
        }
        String raw = event.path("rawQueryString").asText("");
        if (raw.isEmpty()) return query;
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                query.putIfAbsent(name, value);
            } catch (IllegalArgumentException malformed) {
                // a malformed escape: leave that parameter out
            }
        }
        return query;
    }

    private static void stringFields(JsonNode object, java.util.function.BiConsumer<String, String> into) {
        if (!object.isObject()) return;
        for (Map.Entry<String, JsonNode> field : object.properties()) {
            if (field.getValue().isValueNode() && !field.getValue().isNull()) into.accept(field.getKey(), field.getValue().asText());
        }
    }
}
