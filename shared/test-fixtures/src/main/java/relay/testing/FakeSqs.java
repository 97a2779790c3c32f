package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Amazon SQS's {@code SendMessage} for one queue on loopback, in the AWS JSON 1.0 protocol the SDK
 * speaks ({@code POST /}, {@code X-Amz-Target: AmazonSQS.SendMessage},
 * {@code Content-Type: application/x-amz-json-1.0}, body {@code {"QueueUrl", "MessageBody", …}};
 * the answer carries {@code MD5OfMessageBody}, which the SDK checks). Point an SDK client's
 * {@code endpointOverride} at {@link #baseUrl()}, send to {@link #queueUrl()}; any credentials,
 * signatures are not checked. Message attributes are not supported.
 */
public final class FakeSqs extends FakeSinkServer {
    private static final String QUEUE_PATH = "/000000000000/relay-sink-failures";
    private final List<String> messages = new ArrayList<>();

    private FakeSqs() {}

    public static FakeSqs start() {
        return new FakeSqs();
    }

    public String queueUrl() {
        return baseUrl() + QUEUE_PATH;
    }

    /** The bodies of the messages sent, in order. */
    public synchronized List<String> messages() {
        return List.copyOf(messages);
    }

    public synchronized List<JsonNode> jsonMessages() {
        return messages.stream().map(FakeSinkServer::parse).toList();
    }

    @Override
    protected String errorBody(int status) {
        return error("InternalError", "We encountered an internal error. Please try again.");
    }

    @Override
    protected void extraHeaders(HttpExchange exchange) {
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
    }

    @Override
    protected synchronized Answer answer(String method, String path, String query, Map<String, String> headers, String body) {
        String target = headers.get("x-amz-target");
        if (!method.equals("POST") || !"/".equals(path)) return json(400, error("UnsupportedOperation", "Only POST / is served."));
        if (!"AmazonSQS.SendMessage".equals(target)) {
            return json(400, error("UnsupportedOperation", "The operation " + target + " is not supported by this fake."));
        }
        JsonNode request = parse(body);
        if (request == null || !request.isObject()) return json(400, error("InvalidParameterValue", "The request body is not JSON."));
        String queueUrl = request.path("QueueUrl").asText("");
        if (!queueUrl.endsWith(QUEUE_PATH)) {
            return json(400, error("QueueDoesNotExist", "The specified queue does not exist."));
        }
        String message = request.path("MessageBody").asText(null);
        if (message == null || message.isEmpty()) {
            return json(400, error("MissingParameter", "The request must contain the parameter MessageBody."));
        }
        if (message.getBytes(StandardCharsets.UTF_8).length > 1024 * 1024) {
            return json(400, error("InvalidParameterValue", "Message must be shorter than 1048576 bytes."));
        }
        messages.add(message);
        ObjectNode response = JSON.createObjectNode();
        response.put("MD5OfMessageBody", md5(message));
        response.put("MessageId", UUID.randomUUID().toString());
        return json(200, response.toString());
    }

    private static Answer json(int status, String body) {
        return new Answer(status, "application/x-amz-json-1.0", body);
    }

    private static String error(String code, String message) {
        ObjectNode error = JSON.createObjectNode();
        error.put("__type", "com.amazonaws.sqs#" + code);
        error.put("message", message);
        return error.toString();
    }

    private static String md5(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
