package relay.proxy;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import relay.aws.AwsClients;
import relay.aws.AwsRequestSigner;
import relay.aws.DynamoDbRequestLogStore;
import relay.aws.SecretsManagerKeyStore;
import relay.aws.cache.DynamoDbResponseCache;
import relay.aws.cache.ResponseCacheTable;
import relay.aws.responses.DynamoDbResponseStore;
import relay.aws.responses.ResponseStoreTable;
import relay.core.cache.CacheSettings;
import relay.core.cache.Embedder;
import relay.core.cache.ResponseCache;
import relay.core.cache.ResponseCaching;
import relay.core.cache.SemanticPolicy;
import relay.core.gateway.ModelEmbedder;
import relay.core.log.Diagnostics;
import relay.embeddings.OnnxEmbedder;
import relay.embeddings.SemanticCachePolicy;
import java.util.function.Function;
import relay.core.api.Authenticator;
import relay.core.api.RelayApi;
import relay.core.config.ConfigException;
import relay.core.config.ConfigFile;
import relay.core.config.RelayConfig;
import relay.core.guardrail.Guardrails;
import relay.core.keys.ConfigVariables;
import relay.core.gateway.Gateway;
import relay.core.keys.KeyStore;
import relay.core.log.RequestLogStore;
import relay.core.catalog.ModelCatalog;
import relay.core.provider.ModelRouter;
import relay.core.responses.InMemoryResponseStore;
import relay.core.responses.ResponseStore;
import relay.core.responses.ResponsesEndpoint;
import relay.core.provider.RequestSigner;
import relay.core.routing.Router;
import relay.core.routing.RouterPolicy;
import java.util.random.RandomGenerator;
import relay.providers.Providers;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Relay's composition root: everything a process needs, built once. */
public final class RelayWiring {
    /**
     * How long a provider call may take when config sets no timeout (a stream: until its first chunk),
     * LiteLLM's default; the request's deadline bounds it too.
     */
    public static final Duration DEFAULT_PROVIDER_TIMEOUT = Duration.ofSeconds(600);
    /** The cosine a model group's embeddings must reach when {@code similarity_threshold} is not set. */
    static final double MODEL_EMBEDDING_THRESHOLD = 0.9;

    private RelayWiring() {}

    /**
     * The parts that differ between Lambda, the local server and tests.
     *
     * @param accessStore   where virtual keys, teams and their spend live; null: the master key alone
     * @param responseStore where {@code /v1/responses} keeps responses for {@code previous_response_id} and
     *                      {@code GET /v1/responses/{id}}; a table when several processes serve the same clients
     */
    public record Parts(RelayConfig config, KeyStore keys, RequestLogStore logs, boolean masterKeyRequired,
                        Duration logRetention, Clock clock, RequestSigner awsSigner,
                        relay.core.access.AccessStore accessStore,
                        CacheTable cacheTable, ResponseStore responseStore) {

        /** Stored responses in this process's memory: tests and tools. */
        public Parts(RelayConfig config, KeyStore keys, RequestLogStore logs, boolean masterKeyRequired,
                     Duration logRetention, Clock clock, RequestSigner awsSigner,
                     relay.core.access.AccessStore accessStore, CacheTable cacheTable) {
            this(config, keys, logs, masterKeyRequired, logRetention, clock, awsSigner, accessStore, cacheTable,
                    inProcessResponseStore(clock));
        }

        /** Without virtual keys. */
        public Parts(RelayConfig config, KeyStore keys, RequestLogStore logs, boolean masterKeyRequired,
                     Duration logRetention, Clock clock, RequestSigner awsSigner, CacheTable cacheTable) {
            this(config, keys, logs, masterKeyRequired, logRetention, clock, awsSigner, null, cacheTable);
        }

        /** Without a response cache table (a configured cache always misses). */
        public Parts(RelayConfig config, KeyStore keys, RequestLogStore logs, boolean masterKeyRequired,
                     Duration logRetention, Clock clock, RequestSigner awsSigner) {
            this(config, keys, logs, masterKeyRequired, logRetention, clock, awsSigner, CacheTable.NONE);
        }

        /** Without AWS request signing (no Bedrock) and without a cache table: tests and tools. */
        public Parts(RelayConfig config, KeyStore keys, RequestLogStore logs, boolean masterKeyRequired,
                     Duration logRetention, Clock clock) {
            this(config, keys, logs, masterKeyRequired, logRetention, clock, RequestSigner.NONE);
        }
    }

    /** Stored responses in this process's memory, bounded (entries and total size), for one process alone. */
    public static ResponseStore inProcessResponseStore(Clock clock) {
        return new InMemoryResponseStore(clock, 10_000, 256L << 20);
    }

    /** Where cached answers live, given the rule for semantic hits and the embedder's center (null: none). */
    @FunctionalInterface
    public interface CacheTable {
        CacheTable NONE = (policy, center) -> ResponseCache.NONE;

        ResponseCache open(SemanticPolicy policy, float[] center);

        static CacheTable dynamoDb(DynamoDbClient dynamoDb, String tableName) {
            return (policy, center) -> DynamoDbResponseCache.builder(dynamoDb, tableName).policy(policy).lshCenter(center).build();
        }
    }

    /**
     * The Lambda function as Relay's runtime loop serves it: the API, what to run before a SnapStart
     * snapshot (the request path without I/O, then through clients of its own against a loopback stub:
     * {@link SnapshotPriming}), and what to renew in an environment restored from it (the router's randomness).
     */
    public record LambdaFunction(RelayApi api, Runnable prime, Runnable afterRestore) {}

    public static RelayApi api(Parts parts) {
        return api(parts, new ReseedableRandom());
    }

    static RelayApi api(Parts parts, RandomGenerator random) {
        return api(parts, random, Providers.httpClient());
    }

    /** @param http the client for every provider call; its owner closes it */
    static RelayApi api(Parts parts, RandomGenerator random, java.net.http.HttpClient http) {
        // environment_variables: names the key store answers too, as LiteLLM sets them in its environment
        KeyStore keys = ConfigVariables.over(parts.keys(), parts.config().variables());
        var router = new ModelRouter(parts.config(), Providers.all(http, parts.clock(), parts.awsSigner()), DEFAULT_PROVIDER_TIMEOUT,
                ModelCatalog.load());
        var routing = new Router(router, RouterPolicy.from(parts.config()), parts.clock(), random);
        boolean dropParams = Boolean.TRUE.equals(parts.config().litellmSettings().dropParams());
        var uncached = new Gateway(router, routing, keys, parts.clock(), dropParams);
        var caching = responseCaching(parts.config().litellmSettings().cacheSettings(), parts.cacheTable(),
                model -> new ModelEmbedder(uncached, model, parts.clock()));
        var gateway = new Gateway(router, routing, keys, parts.clock(), dropParams, caching);
        var auth = new Authenticator(keys, parts.config().generalSettings().masterKey(), parts.masterKeyRequired());
        var virtualKeys = parts.accessStore() == null ? relay.core.access.VirtualKeys.off()
                : new relay.core.access.VirtualKeys(parts.accessStore(), router, parts.clock(),
                        relay.core.access.AccessSettings.from(parts.config()), auth::masterKey);
        return new RelayApi(gateway, router, auth, parts.logs(), parts.clock(), parts.logRetention(),
                !Boolean.TRUE.equals(parts.config().litellmSettings().turnOffMessageLogging()), virtualKeys)
                .withEndpoints(java.util.List.of(new relay.core.messages.MessagesEndpoint(gateway),
                        new ResponsesEndpoint(gateway, parts.responseStore(), parts.clock(), ResponsesEndpoint.DEFAULT_RETENTION)))
                .withGuardrails(Guardrails.from(parts.config(), guardrailTypes(http, parts.clock(), parts.awsSigner())));
    }

    /** The guardrail types beyond the built-in content filter, by their config names. */
    static Map<String, Guardrails.Factory> guardrailTypes(java.net.http.HttpClient http, Clock clock, RequestSigner awsSigner) {
        return Map.of("bedrock", (name, defaultOn, params, where) ->
                relay.providers.bedrock.BedrockGuardrail.from(name, defaultOn, params, where, http, clock, awsSigner));
    }

    /**
     * The checks of a config that need more than the file: the providers its models name, the router's policy, the
     * virtual keys' and guardrails' settings. No I/O: it runs before anything starts, so a bad config stops the
     * process at once with the file, line and setting at fault.
     */
    public static void check(RelayConfig config) {
        new ModelRouter(config, Providers.unconnected(), DEFAULT_PROVIDER_TIMEOUT);
        RouterPolicy.from(config);
        relay.core.access.AccessSettings.from(config);
        Guardrails.from(config, guardrailTypes(null, Clock.systemUTC(), RequestSigner.NONE)); // built, never called
    }

    /**
     * A config file read and checked whole ({@link #check}); each setting it has that Relay will not act on is
     * reported once, as {@code report} prints it.
     */
    public static RelayConfig loadConfig(Path file, java.util.function.Consumer<String> report) {
        ConfigFile checked = ConfigFile.load(file).check(RelayWiring::check);
        checked.warnings().forEach(report);
        return checked.config();
    }

    /**
     * The Lambda function's wiring, from its environment: {@code RELAY_SECRET_ARN},
     * {@code RELAY_REQUEST_LOG_TABLE}, {@code RELAY_LOG_TTL_DAYS}, {@code RELAY_CONFIG_PATH},
     * {@code RELAY_SECRET_REFRESH_SECONDS}, {@code RELAY_RESPONSE_CACHE_TABLE}, {@code RELAY_ACCESS_TABLE},
     * {@code RELAY_RESPONSE_STORE_TABLE}. No AWS call happens here: clients connect on first use.
     */
    public static RelayApi fromLambdaEnvironment(Map<String, String> env) {
        return lambdaFunction(env).api();
    }

    /** {@link #fromLambdaEnvironment}, with what a SnapStart restore must renew. */
    public static LambdaFunction lambdaFunction(Map<String, String> env) {
        Region region = Region.of(env.getOrDefault("AWS_REGION", "us-east-1"));
        var credentials = DefaultCredentialsProvider.builder().build();
        String secretArn = require(env, "RELAY_SECRET_ARN");
        String table = require(env, "RELAY_REQUEST_LOG_TABLE");
        KeyStore keys = new SecretsManagerKeyStore(
                AwsClients.secretsManager(region, credentials, uri(env.get("RELAY_SECRETSMANAGER_ENDPOINT"))),
                secretArn, Duration.ofSeconds(Long.parseLong(env.getOrDefault("RELAY_SECRET_REFRESH_SECONDS", "300"))),
                Clock.systemUTC());
        DynamoDbClient dynamoDb = AwsClients.dynamoDb(region, credentials, uri(env.get("RELAY_DYNAMODB_ENDPOINT")));
        String cacheTable = env.get(ResponseCacheTable.ENVIRONMENT_VARIABLE);
        String accessTable = env.get(relay.aws.keys.AccessTable.ENVIRONMENT_VARIABLE);
        Clock clock = Clock.systemUTC();
        ReseedableRandom random = new ReseedableRandom();
        RelayApi api = api(new Parts(loadConfig(env), keys, new DynamoDbRequestLogStore(dynamoDb, table), true,
                logRetention(env), clock, new AwsRequestSigner(credentials),
                accessTable == null || accessTable.isBlank() ? null : new relay.aws.keys.DynamoDbAccessStore(dynamoDb, accessTable),
                cacheTable == null || cacheTable.isBlank() ? CacheTable.NONE : CacheTable.dynamoDb(dynamoDb, cacheTable),
                responseStore(env, dynamoDb, clock)), random);
        return new LambdaFunction(api, () -> {
            api.prime();
            try {
                SnapshotPriming.run(region);
            } catch (RuntimeException e) {
                // the snapshot is still sound, only its first request slower: not worth failing a deployment over
                Diagnostics.warn("snapshot_priming_incomplete", "error", e.getClass().getName(), "message", e.getMessage());
            }
        }, random::reseed);
    }

    /**
     * The table of stored responses that {@code RELAY_RESPONSE_STORE_TABLE} names, shared by every instance of
     * the function; without it, each instance's memory, so a follow-up that reaches another instance gets a 404.
     */
    static ResponseStore responseStore(Map<String, String> env, DynamoDbClient dynamoDb, Clock clock) {
        String table = env.get(ResponseStoreTable.ENVIRONMENT_VARIABLE);
        if (table != null && !table.isBlank()) return new DynamoDbResponseStore(dynamoDb, table, clock);
        Diagnostics.warn("response_store_in_memory", "reason", ResponseStoreTable.ENVIRONMENT_VARIABLE + " is not set",
                "effect", "previous_response_id and GET /v1/responses/{id} reach only responses this instance created");
        return inProcessResponseStore(clock);
    }

    /**
     * The response cache as configured: exact only, or semantic with the in-process embedder (loaded
     * here, in the init phase, so SnapStart captures it) or a model group's embeddings. An embedder
     * that cannot load leaves the exact cache working.
     */
    static ResponseCaching responseCaching(CacheSettings settings, CacheTable table, Function<String, Embedder> modelEmbedder) {
        if (!settings.enabled()) return ResponseCaching.off();
        if (!settings.semantic()) return exactOnly(settings, table);
        if (settings.embeddingModel() != null) {
            double threshold = settings.similarityThreshold() == null ? MODEL_EMBEDDING_THRESHOLD : settings.similarityThreshold();
            return new ResponseCaching(settings, table.open(SemanticPolicy.cosine(threshold), null), modelEmbedder.apply(settings.embeddingModel()));
        }
        Embedder embedder;
        try {
            embedder = OnnxEmbedder.loadDefault();
        } catch (RuntimeException | LinkageError e) {
            Diagnostics.warn("response_cache_embedder_unavailable", "reason", e.getClass().getSimpleName(),
                    "effect", "exact cache only");
            return exactOnly(settings, table);
        }
        embedder.embed("Relay warms up its embedder."); // the first embedding is slow; let the init phase pay for it
        return new ResponseCaching(settings, table.open(SemanticCachePolicy.forThreshold(settings.similarityThreshold()), embedder.center()),
                embedder);
    }

    /** The exact cache alone: without an embedder the semantic policy is never consulted. */
    private static ResponseCaching exactOnly(CacheSettings settings, CacheTable table) {
        return new ResponseCaching(settings, table.open(SemanticPolicy.cosine(1), null), null);
    }

    public static Duration logRetention(Map<String, String> env) {
        return Duration.ofDays(Long.parseLong(env.getOrDefault("RELAY_LOG_TTL_DAYS", "30")));
    }

    /**
     * {@code RELAY_CONFIG_PATH}, else {@code config.yaml} in the deployed artifact; none at all is an empty config.
     * Each ignored setting is one warning line in the function's log.
     */
    static RelayConfig loadConfig(Map<String, String> env) {
        String configured = env.get("RELAY_CONFIG_PATH");
        Path bundled = Path.of(env.getOrDefault("LAMBDA_TASK_ROOT", "."), "config.yaml");
        Path file = configured != null ? Path.of(configured) : Files.isRegularFile(bundled) ? bundled : null;
        if (file == null) return RelayConfig.empty();
        return loadConfig(file, warning -> Diagnostics.warn("config_setting_ignored", "message", warning));
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
