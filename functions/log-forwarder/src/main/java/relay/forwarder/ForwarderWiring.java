package relay.forwarder;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import relay.aws.SecretsManagerKeyStore;
import relay.aws.AwsClients;
import relay.core.config.ConfigException;
import relay.core.keys.KeyStore;
import relay.core.log.Diagnostics;
import relay.sinks.Dispatcher;
import relay.sinks.SinkSettings;
import relay.sinks.Sinks;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The forwarder's composition root: everything built once per process. No AWS call happens here:
 * the key store reads the secret on first use, the SQS client connects on first send.
 */
public final class ForwarderWiring {
    private ForwarderWiring() {}

    /** The forwarder for these settings and keys; {@code failures} takes what the sinks would not. */
    public static LogForwarder forwarder(SinkSettings settings, KeyStore keys, FailureQueue failures,
                                         Dispatcher.Options options, Clock clock) {
        Dispatcher dispatcher = new Dispatcher(Sinks.routes(settings, keys, clock), !settings.turnOffMessageLogging(),
                Sinks.httpClient(), options);
        return new LogForwarder(dispatcher, failures, clock);
    }

    /**
     * The Lambda function's wiring, from its environment: {@code RELAY_CONFIG_PATH} (the config whose
     * {@code litellm_settings} callbacks choose the sinks), {@code RELAY_SECRET_ARN} (the sinks' keys),
     * {@code RELAY_SINK_FAILURE_QUEUE_URL}, and optionally {@code RELAY_SECRET_REFRESH_SECONDS} (300),
     * {@code RELAY_SINK_TIMEOUT_MS} (5000), {@code RELAY_SINK_ATTEMPTS} (3), and endpoint overrides
     * {@code RELAY_SECRETSMANAGER_ENDPOINT}, {@code RELAY_SQS_ENDPOINT}.
     */
    public static LogForwarder fromLambdaEnvironment(Map<String, String> env) {
        Region region = Region.of(env.getOrDefault("AWS_REGION", "us-east-1"));
        AwsCredentialsProvider credentials = DefaultCredentialsProvider.builder().build();
        KeyStore keys = new SecretsManagerKeyStore(
                AwsClients.secretsManager(region, credentials, uri(env.get("RELAY_SECRETSMANAGER_ENDPOINT"))),
                require(env, "RELAY_SECRET_ARN"),
                Duration.ofSeconds(Long.parseLong(env.getOrDefault("RELAY_SECRET_REFRESH_SECONDS", "300"))),
                Clock.systemUTC());
        FailureQueue failures = new SqsFailureQueue(sqs(region, credentials, uri(env.get("RELAY_SQS_ENDPOINT"))),
                require(env, "RELAY_SINK_FAILURE_QUEUE_URL"));
        SinkSettings settings = settings(env);
        LogForwarder forwarder = forwarder(settings, keys, failures, options(env), Clock.systemUTC());
        Diagnostics.info("log_forwarder_ready", "success_callback", settings.successCallbacks(),
                "failure_callback", settings.failureCallbacks(), "turn_off_message_logging", settings.turnOffMessageLogging());
        return forwarder;
    }

    /** {@code RELAY_CONFIG_PATH}, else {@code config.yaml} in the deployed artifact; none at all chooses no sink. */
    static SinkSettings settings(Map<String, String> env) {
        String configured = env.get("RELAY_CONFIG_PATH");
        if (configured != null && !configured.isBlank()) return SinkSettings.from(Path.of(configured));
        Path bundled = Path.of(env.getOrDefault("LAMBDA_TASK_ROOT", "."), "config.yaml");
        return Files.isRegularFile(bundled) ? SinkSettings.from(bundled) : SinkSettings.NONE;
    }

    static Dispatcher.Options options(Map<String, String> env) {
        Dispatcher.Options d = Dispatcher.Options.DEFAULT;
        return new Dispatcher.Options(
                Duration.ofMillis(Long.parseLong(env.getOrDefault("RELAY_SINK_TIMEOUT_MS", Long.toString(d.timeout().toMillis())))),
                Integer.parseInt(env.getOrDefault("RELAY_SINK_ATTEMPTS", Integer.toString(d.attempts()))),
                d.backoff(), d.concurrency());
    }

    /** The SQS client: on the JDK's HTTP client with short timeouts, like Relay's other AWS clients. */
    public static SqsClient sqs(Region region, AwsCredentialsProvider credentials, URI endpoint) {
        var builder = SqsClient.builder()
                .region(region)
                .credentialsProvider(credentials)
                .httpClient(AwsClients.httpClient())
                .overrideConfiguration(ClientOverrideConfiguration.builder()
                        .apiCallTimeout(Duration.ofSeconds(10))
                        .apiCallAttemptTimeout(Duration.ofSeconds(3))
                        .build());
        if (endpoint != null) builder.endpointOverride(endpoint);
        return builder.build();
    }

    private static String require(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null || value.isBlank()) throw new ConfigException("environment variable " + name + " is not set");
        return value;
    }

    private static URI uri(String value) {
        return value == null || value.isBlank() ? null : URI.create(value);
    }
}
