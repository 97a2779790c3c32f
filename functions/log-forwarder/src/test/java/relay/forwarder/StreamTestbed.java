package relay.forwarder;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import relay.aws.DynamoDbRequestLogStore;
import relay.aws.RequestLogTable;
import relay.core.error.ErrorKind;
import relay.core.keys.KeyStore;
import relay.core.log.Attempt;
import relay.core.log.RequestLog;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import relay.testing.FakeHelicone;
import relay.testing.FakeMixpanel;
import relay.testing.FakePostHog;
import relay.testing.FakeSentry;
import relay.testing.FakeSinkServer;
import relay.testing.FakeSqs;
import relay.testing.FakeSupabase;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Everything real the forwarder touches: the embedded DynamoDB with the request-log table and its
 * stream, a loopback server per sink vendor, and a fake SQS the real SQS client talks to. The test's
 * own AWS clients wait as long as a loaded machine needs (a minute a call), not the short limits of
 * the production clients: the store drops a write that times out, which would make a test's records
 * depend on the machine's speed.
 */
final class StreamTestbed implements AutoCloseable {
    static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));
    static final Instant TIME = Instant.parse("2025-05-01T12:00:00Z");
    static final ClientOverrideConfiguration PATIENT = ClientOverrideConfiguration.builder()
            .apiCallTimeout(Duration.ofMinutes(1)).build();

    final EmbeddedDynamoDb db = EmbeddedDynamoDb.start();
    final DynamoDbClient dynamoDb = DynamoDbClient.builder().region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
            .httpClient(UrlConnectionHttpClient.create()).endpointOverride(db.endpoint()).overrideConfiguration(PATIENT).build();
    final DynamoDbStreamsClient streams = DynamoDbStreamsClient.builder().region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
            .httpClient(UrlConnectionHttpClient.create()).endpointOverride(db.endpoint()).overrideConfiguration(PATIENT).build();
    final String table = "relay-request-log";
    final DynamoDbRequestLogStore store = new DynamoDbRequestLogStore(dynamoDb, table);
    final String streamArn;

    final FakeSupabase supabase = FakeSupabase.start("request_logs", "sb-key");
    final FakePostHog posthog = FakePostHog.start("phc_key");
    final FakeMixpanel mixpanel = FakeMixpanel.start("mp-token");
    final FakeSentry sentry = FakeSentry.start("9", "pub");
    final FakeHelicone helicone = FakeHelicone.start("hc-key");
    final FakeSqs sqsServer = FakeSqs.start();
    final SqsClient sqs = SqsClient.builder().region(Region.US_EAST_1).credentialsProvider(CREDENTIALS)
            .httpClient(UrlConnectionHttpClient.create()).endpointOverride(java.net.URI.create(sqsServer.baseUrl()))
            .overrideConfiguration(PATIENT).build();
    final KeyStore keys;

    StreamTestbed() {
        streamArn = dynamoDb.createTable(RequestLogTable.createRequest(table)).tableDescription().latestStreamArn();
        Map<String, String> values = new HashMap<>();
        values.put("SUPABASE_URL", supabase.baseUrl());
        values.put("SUPABASE_KEY", "sb-key");
        values.put("POSTHOG_API_KEY", "phc_key");
        values.put("POSTHOG_API_URL", posthog.baseUrl());
        values.put("MIXPANEL_PROJECT_TOKEN", "mp-token");
        values.put("MIXPANEL_API_URL", mixpanel.baseUrl());
        values.put("SENTRY_DSN", sentry.dsn());
        values.put("HELICONE_API_KEY", "hc-key");
        values.put("HELICONE_API_BASE", helicone.baseUrl());
        keys = name -> Optional.ofNullable(values.get(name));
    }

    List<FakeSinkServer> sinks() {
        return List.of(supabase, posthog, mixpanel, sentry, helicone);
    }

    static RequestLog success(String id) {
        return new RequestLog(id, TIME, "POST /v1/chat/completions",
                new RequestLog.Caller("9c2b", "ci", "user-1", Map.of("env", "test")),
                "gpt-4o-mini", "openai/gpt-4o-mini", "openai", 200, 321, 300L, 10, 5, 15, new BigDecimal("0.0000045"), false,
                "miss", null, null, null, List.of(new Attempt("openai/gpt-4o-mini", 200, null, null, 300)),
                new RequestLog.Bodies("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                        "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"hello\"}}]}", false),
                TIME.plus(Duration.ofDays(30)));
    }

    static RequestLog failure(String id) {
        return new RequestLog(id, TIME, "POST /v1/chat/completions", new RequestLog.Caller("9c2b", "ci", null, Map.of()),
                "gpt-4o-mini", null, null, 429, 55, null, null, null, null, null, false, "miss",
                "rate_limit_error", "rate_limit_exceeded", "Rate limit reached",
                List.of(new Attempt("openai/gpt-4o-mini", 429, "rate_limit_exceeded", "rate limited", 50)), null,
                TIME.plus(Duration.ofDays(30)));
    }

    /** A request Relay refused for its key, as the core records it: 401 invalid_api_key, before any provider. */
    static RequestLog unauthenticated(String id) {
        return new RequestLog(id, TIME, "POST /v1/chat/completions", RequestLog.Caller.UNKNOWN, null, null, null, 401, 1, null,
                null, null, null, null, false, "off", ErrorKind.AUTHENTICATION.type(), ErrorKind.AUTHENTICATION.code(),
                "Incorrect API key provided.", List.of(), null, TIME.plus(Duration.ofDays(1)));
    }

    /** A 401 from the provider (Relay's key for it was refused): the client's key was fine; the operator must know. */
    static RequestLog providerRefusedItsKey(String id) {
        return new RequestLog(id, TIME, "POST /v1/chat/completions", new RequestLog.Caller("9c2b", "ci", null, Map.of()),
                "gpt-4o-mini", null, null, 401, 80, null, null, null, null, null, false, "miss",
                ErrorKind.AUTHENTICATION.type(), ErrorKind.AUTHENTICATION.code(), "Incorrect API key provided: sk-...",
                List.of(new Attempt("openai/gpt-4o-mini", 401, "invalid_api_key", "Incorrect API key provided", 75)), null,
                TIME.plus(Duration.ofDays(30)));
    }

    /** Every record of the stream so far, oldest first. */
    List<Record> readStream() {
        var shard = streams.describeStream(b -> b.streamArn(streamArn)).streamDescription().shards().get(0);
        String iterator = streams.getShardIterator(b -> b.streamArn(streamArn).shardId(shard.shardId())
                .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
        return streams.getRecords(b -> b.shardIterator(iterator)).records();
    }

    /** The stream records as Lambda hands them to the function (aws-lambda-java-events' model). */
    static DynamodbEvent lambdaEvent(List<Record> records) {
        List<DynamodbEvent.DynamodbStreamRecord> converted = new ArrayList<>();
        for (Record r : records) {
            DynamodbEvent.DynamodbStreamRecord record = new DynamodbEvent.DynamodbStreamRecord();
            record.setEventID(r.eventID());
            record.setEventName(r.eventNameAsString());
            record.setEventSource("aws:dynamodb");
            record.setEventVersion(r.eventVersion());
            record.setAwsRegion(r.awsRegion());
            record.setEventSourceARN("arn:aws:dynamodb:us-east-1:000000000000:table/relay-request-log/stream/x");
            StreamRecord stream = new StreamRecord();
            stream.setSequenceNumber(r.dynamodb().sequenceNumber());
            stream.setKeys(toLambda(r.dynamodb().keys()));
            if (r.dynamodb().hasNewImage()) stream.setNewImage(toLambda(r.dynamodb().newImage()));
            record.setDynamodb(stream);
            converted.add(record);
        }
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(converted);
        return event;
    }

    static Map<String, com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue> toLambda(
            Map<String, AttributeValue> item) {
        Map<String, com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue> out = new HashMap<>();
        item.forEach((k, v) -> out.put(k, toLambda(v)));
        return out;
    }

    static com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue toLambda(AttributeValue v) {
        var out = new com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue();
        switch (v.type()) {
            case S -> out.setS(v.s());
            case N -> out.setN(v.n());
            case B -> out.setB(v.b().asByteBuffer());
            case BOOL -> out.setBOOL(v.bool());
            case NUL -> out.setNULL(true);
            case SS -> out.setSS(v.ss());
            case NS -> out.setNS(v.ns());
            case BS -> out.setBS(v.bs().stream().map(SdkBytes::asByteBuffer).toList());
            case M -> out.setM(toLambda(v.m()));
            case L -> out.setL(v.l().stream().map(StreamTestbed::toLambda).toList());
            default -> throw new IllegalArgumentException(v.toString());
        }
        return out;
    }

    @Override
    public void close() {
        sinks().forEach(FakeSinkServer::close);
        sqs.close();
        sqsServer.close();
        streams.close();
        dynamoDb.close();
        db.close();
    }
}
