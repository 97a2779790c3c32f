package relay.sinks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import relay.core.Json;
import relay.core.keys.KeyStore;

/**
 * A Sentry error event per failed request (successes are not Sentry's business), sent to the
 * envelope endpoint the DSN names: DSN {@code {scheme}://{public_key}@{host}/{path}{project_id}}
 * gives {@code POST {scheme}://{host}/{path}api/{project_id}/envelope/} with
 * {@code X-Sentry-Auth: Sentry sentry_version=7, sentry_client=…, sentry_key=<public key>} and
 * {@code Content-Type: application/x-sentry-envelope} (develop.sentry.dev/sdk/envelopes and
 * /sdk/overview#authentication). The envelope holds one {@code event} item: level {@code error},
 * tags {@code model, deployment, provider, status, error_type, error_code, route}, an exception named
 * after the error code, a fingerprint per error type and model, and the record's fields as
 * {@code extra}, without the caller (no user data, as the SDKs' {@code send_default_pii=False}).
 * No key and no message text: the error's own message only with message logging on.
 * {@code event_id} derives from the request id, so Sentry drops a retried delivery.
 * Keys: {@code SENTRY_DSN}, optional {@code SENTRY_ENVIRONMENT}.
 */
final class SentrySink implements Sink {
    static final String CLIENT = "relay-log-forwarder/1.0";

    private final KeyStore keys;
    private final Clock clock;

    SentrySink(KeyStore keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    @Override
    public String name() {
        return "sentry";
    }

    @Override
    public boolean accepts(SinkEvent event) {
        return !event.success();
    }

    /** The parts of a DSN a client needs. */
    record Dsn(URI envelopeUri, String publicKey, String secretKey) {
        static Dsn parse(String dsn) {
            try {
                URI uri = URI.create(dsn);
                String userInfo = uri.getRawUserInfo();
                String path = uri.getRawPath() == null ? "" : uri.getRawPath();
                int slash = path.lastIndexOf('/');
                String project = slash < 0 ? "" : path.substring(slash + 1);
                if (userInfo == null || userInfo.isEmpty() || project.isEmpty() || uri.getHost() == null) {
                    throw SinkException.invalidSetting("sentry", "SENTRY_DSN");
                }
                String[] keys = userInfo.split(":", 2);
                String prefix = path.substring(0, slash);
                String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
                URI envelope = URI.create(uri.getScheme() + "://" + uri.getHost() + port + prefix + "/api/" + project + "/envelope/");
                return new Dsn(envelope, keys[0], keys.length > 1 && !keys[1].isEmpty() ? keys[1] : null);
            } catch (IllegalArgumentException e) {
                throw SinkException.invalidSetting("sentry", "SENTRY_DSN");
            }
        }

        String authHeader() {
            return "Sentry sentry_version=7, sentry_client=" + CLIENT + ", sentry_key=" + publicKey
                    + (secretKey == null ? "" : ", sentry_secret=" + secretKey);
        }
    }

    @Override
    public SinkRequest request(List<SinkEvent> events) {
        if (events.size() != 1) throw new IllegalArgumentException("one Sentry event per envelope");
        Dsn dsn = Dsn.parse(Keys.required(keys, name(), "SENTRY_DSN"));
        String environment = Keys.optional(keys, "SENTRY_ENVIRONMENT", "production");
        ObjectNode event = event(events.get(0), environment);
        byte[] payload = Json.writeBytes(event);
        ObjectNode header = Json.MAPPER.createObjectNode();
        header.put("event_id", event.get("event_id").asText());
        header.put("sent_at", clock.instant().toString());
        ObjectNode itemHeader = Json.MAPPER.createObjectNode();
        itemHeader.put("type", "event");
        itemHeader.put("length", payload.length);
        itemHeader.put("content_type", "application/json");
        ByteArrayOutputStream envelope = new ByteArrayOutputStream();
        envelope.writeBytes(Json.writeBytes(header));
        envelope.write('\n');
        envelope.writeBytes(Json.writeBytes(itemHeader));
        envelope.write('\n');
        envelope.writeBytes(payload);
        envelope.write('\n');
        return new SinkRequest(dsn.envelopeUri(), Map.of(
                "Content-Type", "application/x-sentry-envelope",
                "X-Sentry-Auth", dsn.authHeader()), envelope.toByteArray());
    }

    static ObjectNode event(SinkEvent e, String environment) {
        var log = e.log();
        ObjectNode event = Json.MAPPER.createObjectNode();
        event.put("event_id", Keys.uuidOf(e.requestId()).toString().replace("-", ""));
        event.put("timestamp", log.time().toString());
        event.put("platform", "java");
        event.put("level", "error");
        event.put("logger", "relay.gateway");
        event.put("environment", environment);
        event.put("transaction", log.route());
        ObjectNode tags = event.putObject("tags");
        tag(tags, "model", log.requestedModel());
        tag(tags, "deployment", log.deployment());
        tag(tags, "provider", e.provider());
        tag(tags, "status", Integer.toString(log.status()));
        tag(tags, "error_type", log.errorType());
        tag(tags, "error_code", log.errorCode());
        tag(tags, "route", log.route());
        tag(tags, "stream", Boolean.toString(log.stream()));
        String type = log.errorCode() != null ? log.errorCode() : log.errorType() != null ? log.errorType() : "http_" + log.status();
        String summary = log.status() + " " + (log.errorType() == null ? "error" : log.errorType()) + " on " + log.route()
                + (log.requestedModel() == null ? "" : " for model " + log.requestedModel());
        var message = e.fields().get("error_message");
        ObjectNode exception = event.putObject("exception").putArray("values").addObject();
        exception.put("type", type);
        exception.put("value", message == null ? summary : summary + ": " + message.asText());
        exception.putObject("mechanism").put("type", "relay").put("handled", true);
        event.putArray("fingerprint").add("relay").add(type).add(String.valueOf(log.requestedModel()));
        ObjectNode extra = e.fields().deepCopy();
        extra.remove("caller");
        event.set("extra", extra);
        return event;
    }

    /** Sentry tag values: at most 200 characters, no line breaks. */
    private static void tag(ObjectNode tags, String name, String value) {
        if (value == null || value.isEmpty()) return;
        String clean = value.replaceAll("[\\r\\n]", " ");
        tags.put(name, clean.length() > 200 ? clean.substring(0, 200) : clean);
    }
}
