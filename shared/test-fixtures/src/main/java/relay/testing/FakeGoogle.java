package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server on loopback that speaks Google's generative APIs: the Gemini API
 * ({@code /v1beta/models/{m}:generateContent}, {@code :streamGenerateContent?alt=sse},
 * {@code :batchEmbedContents}, key in {@code x-goog-api-key}), Vertex AI
 * ({@code /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:…}, {@code :predict}, bearer token),
 * and Google's OAuth token endpoint ({@code /token}), which checks the RS256 signature of the JWT
 * assertion against the public keys it was told to trust. It records what it received and fails on cue.
 * <p>
 * Default answers: {@code "Echo: <last user text>"}; with tools declared and a user turn last, a call of
 * the first function with {@code {"query": <that text>}}; after a function response, {@code "Tool said: <response>"}.
 */
public final class FakeGoogle extends FakeProviderServer<FakeGoogle.Reply> {
    public static final String SCOPE = "https://www.googleapis.com/auth/cloud-platform";

    /** One scripted reply, used once, in the order enqueued; when none is queued the normal answer is sent. */
    public sealed interface Reply {
        /** A status with a body (Google's error body for failures). */
        record Status(int status, String body) implements Reply, Canned {}

        /** A 200 event stream of these events (each a JSON object), then the end of the body. */
        record Events(List<String> events) implements Reply {}

        /** A 200 JSON body. */
        record Body(String json) implements Reply {}
    }

    private final Map<String, PublicKey> trusted = new ConcurrentHashMap<>();
    private final Set<String> issuedTokens = ConcurrentHashMap.newKeySet();
    private final List<JsonNode> assertions = new CopyOnWriteArrayList<>();
    private final AtomicInteger tokenCount = new AtomicInteger();
    private volatile long tokenLifetimeSeconds = 3599;
    private volatile String apiKey;

    private FakeGoogle() {
        super("", PathForm.AS_SENT); // the tests check how the client built and escaped the URL
    }

    public static FakeGoogle start() {
        return new FakeGoogle();
    }

    /** The OAuth token endpoint, to put as {@code token_uri} in a service-account key file. */
    public String tokenUri() {
        return baseUrl() + "/token";
    }

    /** Only this Gemini API key is accepted from now on (any non-empty one when never set). */
    public void requireApiKey(String key) {
        this.apiKey = key;
    }

    /** Accepts JWT assertions from {@code clientEmail} signed by the private half of {@code key}. */
    public void trust(String clientEmail, PublicKey key) {
        trusted.put(clientEmail, key);
    }

    public void tokenLifetimeSeconds(long seconds) {
        this.tokenLifetimeSeconds = seconds;
    }

    /** How many access tokens the token endpoint has issued. */
    public int tokensIssued() {
        return tokenCount.get();
    }

    /** The claims of every JWT assertion the token endpoint accepted, in order. */
    public List<JsonNode> assertions() {
        return List.copyOf(assertions);
    }

    /** A service-account key file, as Google Cloud issues it, for {@code keys} and this server's token endpoint. */
    public String serviceAccountJson(String clientEmail, String projectId, KeyPair keys) {
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        ObjectNode json = JSON.createObjectNode()
                .put("type", "service_account")
                .put("project_id", projectId)
                .put("private_key_id", "fake-key-id-1")
                .put("private_key", pem)
                .put("client_email", clientEmail)
                .put("client_id", "100000000000000000001")
                .put("token_uri", tokenUri());
        return json.toString();
    }

    /** The last request that was not to the token endpoint. */
    public Recorded lastApiRequest() {
        List<Recorded> requests = requests();
        for (int i = requests.size() - 1; i >= 0; i--) {
            if (!requests.get(i).path().startsWith("/token")) return requests.get(i);
        }
        throw new IllegalStateException("no API request yet");
    }

    /** Revokes every access token issued so far: they are refused from now on. */
    public void revokeTokens() {
        issuedTokens.clear();
    }

    @Override
    public void reset() {
        super.reset();
        assertions.clear();
    }

    /** Google's error body: {@code {"error":{"code","message","status"}}}. */
    public static String errorBody(int code, String message, String status) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("code", code).put("message", message).put("status", status);
        return body.toString();
    }

    @Override
    protected void respond(HttpExchange exchange, Recorded received) throws IOException {
        String path = received.path();
        if (path.equals("/token")) {
            token(exchange, received.body());
            return;
        }
        // A refused key or token is answered before the script is consulted, so it uses up no reply.
        Reply.Status denied = path.startsWith("/v1/projects/") ? checkBearer(received.headers()) : checkApiKey(received.headers());
        if (sendCanned(exchange, denied)) return;
        switch (nextReply()) {
            case Reply.Status s -> sendCanned(exchange, s);
            case Reply.Body b -> send(exchange, 200, "application/json", b.json());
            case Reply.Events e -> send(exchange, 200, "text/event-stream", sse(e.events()));
            case null -> answer(exchange, path, JSON.readTree(received.body()));
        }
    }

    /** Null when the key is accepted; else the Gemini API's answer to a bad key (a 400, not a 401). */
    private Reply.Status checkApiKey(Map<String, String> headers) {
        String key = headers.get("x-goog-api-key");
        if (key != null && !key.isEmpty() && (apiKey == null || apiKey.equals(key))) return null;
        ObjectNode body = (ObjectNode) readTree(errorBody(400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT"));
        ((ObjectNode) body.get("error")).putArray("details").addObject()
                .put("@type", "type.googleapis.com/google.rpc.ErrorInfo").put("reason", "API_KEY_INVALID");
        return new Reply.Status(400, body.toString());
    }

    private Reply.Status checkBearer(Map<String, String> headers) {
        String authorization = headers.getOrDefault("authorization", "");
        if (authorization.startsWith("Bearer ") && issuedTokens.contains(authorization.substring(7))) return null;
        return new Reply.Status(401, errorBody(401, "Request had invalid authentication credentials. Expected OAuth 2 access token.",
                "UNAUTHENTICATED"));
    }

    private void answer(HttpExchange exchange, String path, JsonNode request) throws IOException {
        String method = path.substring(path.lastIndexOf(':') + 1);
        String model = path.substring(path.lastIndexOf('/') + 1, path.lastIndexOf(':'));
        switch (method) {
            case "generateContent" -> send(exchange, 200, "application/json", generate(request, model, true).toString());
            case "streamGenerateContent" -> send(exchange, 200, "text/event-stream", stream(request, model));
            case "batchEmbedContents" -> send(exchange, 200, "application/json", batchEmbed(request));
            case "predict" -> send(exchange, 200, "application/json", predict(request));
            default -> send(exchange, 404, "application/json", errorBody(404, "Method not found: " + method, "NOT_FOUND"));
        }
    }

    /** The whole answer: echo, a function call, or what the tool said, as the class comment describes. */
    private static ObjectNode generate(JsonNode request, String model, boolean withUsage) {
        ObjectNode response = JSON.createObjectNode();
        ObjectNode candidate = response.putArray("candidates").addObject();
        ArrayNode parts = candidate.putObject("content").put("role", "model").putArray("parts");
        JsonNode lastTurn = request.path("contents").path(request.path("contents").size() - 1);
        JsonNode functionResponse = null;
        String userText = "";
        for (JsonNode part : lastTurn.path("parts")) {
            if (part.has("functionResponse")) functionResponse = part.get("functionResponse");
            if (part.has("text")) userText = part.get("text").asText();
        }
        JsonNode declarations = request.path("tools").path(0).path("functionDeclarations");
        if (functionResponse != null) {
            parts.addObject().put("text", "Tool said: " + functionResponse.path("response").toString());
        } else if (!declarations.isEmpty() && !"NONE".equals(request.path("toolConfig").path("functionCallingConfig").path("mode").asText())) {
            ObjectNode call = parts.addObject().put("thoughtSignature", "c2lnbmF0dXJl").putObject("functionCall");
            call.put("name", declarations.path(0).path("name").asText());
            call.putObject("args").put("query", userText);
        } else {
            parts.addObject().put("text", "Echo: " + userText);
        }
        candidate.put("finishReason", "STOP").put("index", 0);
        if (withUsage) usage(response);
        response.put("modelVersion", model).put("responseId", "fake-response-1");
        return response;
    }

    private static void usage(ObjectNode response) {
        response.putObject("usageMetadata").put("promptTokenCount", 10).put("candidatesTokenCount", 5).put("totalTokenCount", 15);
    }

    /** The answer's text word by word, then an event with finishReason and usage (function calls come whole). */
    private static String stream(JsonNode request, String model) {
        ObjectNode whole = generate(request, model, false);
        JsonNode part = whole.path("candidates").path(0).path("content").path("parts").path(0);
        List<String> events = new ArrayList<>();
        if (part.has("text")) {
            for (String word : part.get("text").asText().split("(?<= )")) {
                ObjectNode event = JSON.createObjectNode();
                event.putArray("candidates").addObject().put("index", 0)
                        .putObject("content").put("role", "model").putArray("parts").addObject().put("text", word);
                event.put("modelVersion", model).put("responseId", "fake-response-1");
                events.add(event.toString());
            }
            ((ObjectNode) part).put("text", "");
        }
        usage(whole);
        events.add(whole.toString());
        return sse(events);
    }

    private static String batchEmbed(JsonNode request) {
        ObjectNode response = JSON.createObjectNode();
        ArrayNode embeddings = response.putArray("embeddings");
        for (JsonNode one : request.path("requests")) {
            ArrayNode values = embeddings.addObject().putArray("values");
            for (float f : vectorFor(one.path("content").path("parts").path(0).path("text").asText())) values.add(f);
        }
        return response.toString();
    }

    private static String predict(JsonNode request) {
        ObjectNode response = JSON.createObjectNode();
        ArrayNode predictions = response.putArray("predictions");
        for (JsonNode instance : request.path("instances")) {
            String text = instance.path("content").asText();
            ObjectNode embeddings = predictions.addObject().putObject("embeddings");
            ArrayNode values = embeddings.putArray("values");
            for (float f : vectorFor(text)) values.add(f);
            embeddings.putObject("statistics").put("truncated", false).put("token_count", text.split(" ").length);
        }
        return response.toString();
    }

    /** The vector this server returns for {@code text}: three values derived from its length and first character. */
    public static float[] vectorFor(String text) {
        return new float[] {text.length(), text.isEmpty() ? 0 : text.charAt(0), 0.25f};
    }

    /** Google's token endpoint: checks the JWT bearer assertion's signature and claims, then issues a token. */
    private void token(HttpExchange exchange, String form) throws IOException {
        Map<String, String> fields = new HashMap<>();
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) fields.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        String problem = assertionProblem(fields);
        if (problem != null) {
            send(exchange, 400, "application/json", JSON.createObjectNode().put("error", "invalid_grant")
                    .put("error_description", problem).toString());
            return;
        }
        String token = "ya29.fake-access-token-" + tokenCount.incrementAndGet();
        issuedTokens.add(token);
        send(exchange, 200, "application/json", JSON.createObjectNode().put("access_token", token)
                .put("expires_in", tokenLifetimeSeconds).put("token_type", "Bearer").toString());
    }

    private String assertionProblem(Map<String, String> fields) {
        if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(fields.get("grant_type"))) return "Invalid grant_type.";
        String[] jwt = fields.getOrDefault("assertion", "").split("\\.");
        if (jwt.length != 3) return "Invalid JWT.";
        JsonNode header = readTree(new String(Base64.getUrlDecoder().decode(jwt[0]), StandardCharsets.UTF_8));
        JsonNode claims = readTree(new String(Base64.getUrlDecoder().decode(jwt[1]), StandardCharsets.UTF_8));
        if (!"RS256".equals(header.path("alg").asText())) return "Invalid JWT: alg must be RS256.";
        PublicKey key = trusted.get(claims.path("iss").asText());
        if (key == null) return "Invalid JWT: unknown issuer.";
        try {
            Signature rsa = Signature.getInstance("SHA256withRSA");
            rsa.initVerify(key);
            rsa.update((jwt[0] + "." + jwt[1]).getBytes(StandardCharsets.US_ASCII));
            if (!rsa.verify(Base64.getUrlDecoder().decode(jwt[2]))) return "Invalid JWT Signature.";
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return "Invalid JWT Signature.";
        }
        long now = Instant.now().getEpochSecond();
        long iat = claims.path("iat").asLong();
        long exp = claims.path("exp").asLong();
        if (!tokenUri().equals(claims.path("aud").asText())) return "Invalid JWT: aud must be the token endpoint.";
        if (!claims.path("scope").asText().contains(SCOPE)) return "Invalid JWT: missing scope.";
        if (exp <= iat || exp - iat > 3600 || exp < now) return "Invalid JWT: Token must be a short-lived token (60 minutes).";
        assertions.add(claims);
        return null;
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private static String sse(List<String> events) {
        StringBuilder sse = new StringBuilder();
        for (String event : events) sse.append("data: ").append(event).append("\r\n\r\n");
        return sse.toString();
    }
}
