package relay.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.core.Json;
import relay.core.log.RequestLog;
import relay.sinks.Dispatcher;
import relay.sinks.SinkSettings;
import relay.sinks.Sinks;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Record;

/** The Lambda handler on records read from a real stream: delivery, the failure queue, batch item failures. */
class LogForwarderHandlerTest {
    /**
     * Short pauses between tries, and a timeout no loopback call reaches however loaded the machine: a
     * call cut by a timeout may never have reached the fake, so a short one would make the counts of
     * requests below depend on the machine's speed.
     */
    static final Dispatcher.Options FAST = new Dispatcher.Options(Duration.ofSeconds(30), 3, Duration.ofMillis(10), 8);
    static final SinkSettings ALL = new SinkSettings(List.of("supabase", "posthog", "mixpanel", "helicone"), Sinks.NAMES, false);

    StreamTestbed bed;

    @BeforeEach
    void start() {
        bed = new StreamTestbed();
    }

    @AfterEach
    void stop() {
        bed.close();
    }

    LogForwarderHandler handler(SinkSettings settings) {
        return new LogForwarderHandler(ForwarderWiring.forwarder(settings, bed.keys,
                new SqsFailureQueue(bed.sqs, bed.sqsServer.queueUrl()), FAST, Clock.systemUTC()));
    }

    static List<String> failedIds(StreamsEventResponse response) {
        return response.getBatchItemFailures().stream().map(StreamsEventResponse.BatchItemFailure::getItemIdentifier).toList();
    }

    @Test
    void newRecordsOfTheTable_reachEverySink_readBackThroughTheStoresOwnItemFormat() {
        bed.store.write(StreamTestbed.success("req-ok"));
        bed.store.write(StreamTestbed.failure("req-429"));
        List<Record> records = bed.readStream();

        StreamsEventResponse response = handler(ALL).handleRequest(StreamTestbed.lambdaEvent(records), null);

        assertEquals(List.of(), failedIds(response));
        assertEquals(List.of("req-ok", "req-429"), bed.supabase.rows().stream().map(r -> r.get("litellm_call_id").asText()).toList());
        JsonNode ok = bed.supabase.rows().get(0);
        assertEquals("hi", ok.at("/messages/0/content").asText(), "the bodies came through the stream image");
        assertEquals("hello", ok.get("response").asText());
        assertEquals("user-1", ok.get("end_user").asText());
        assertEquals("test", ok.at("/additional_details/caller/metadata/env").asText());
        assertEquals(2, bed.posthog.events().size());
        assertEquals(2, bed.mixpanel.events().size());
        assertEquals(2, bed.helicone.logs().size());
        assertEquals(1, bed.sentry.events().size());
        assertEquals("rate_limit_exceeded", bed.sentry.events().get(0).at("/tags/error_code").asText());
        assertEquals(List.of(), bed.sqsServer.messages());
    }

    @Test
    void aSinkThatStaysDown_sendsItsRecordsToTheFailureQueue_andTheOthersStillReceive_andLambdaRetriesNothing() throws Exception {
        bed.posthog.failNext(100, 500);
        bed.store.write(StreamTestbed.success("req-a"));
        bed.store.write(StreamTestbed.success("req-b"));

        StreamsEventResponse response = handler(ALL).handleRequest(StreamTestbed.lambdaEvent(bed.readStream()), null);

        assertEquals(List.of(), failedIds(response), "the failure queue has them");
        assertEquals(3, bed.posthog.requests().size(), "one batch, three tries");
        List<JsonNode> messages = bed.sqsServer.jsonMessages();
        assertEquals(2, messages.size());
        JsonNode message = messages.stream().filter(m -> m.get("request_id").asText().equals("req-a")).findFirst().orElseThrow();
        assertEquals("posthog", message.get("sink").asText());
        assertEquals(3, message.get("attempts").asInt());
        assertTrue(message.get("reason").asText().contains("HTTP 500"), message.toString());
        assertEquals(StreamTestbed.success("req-a"), Json.MAPPER.treeToValue(message.get("record"), RequestLog.class),
                "the whole record, ready to send again");
        assertEquals(2, bed.supabase.rows().size());
        assertEquals(2, bed.mixpanel.events().size());
        assertEquals(2, bed.helicone.logs().size());
    }

    @Test
    void aSinkThatTimesOut_isRetried_thenQueued() {
        // Helicone alone, with a short timeout: its answers come long after it, whatever the machine's speed
        for (int i = 0; i < 3; i++) bed.helicone.enqueue(new relay.testing.FakeSinkServer.Reply.Slow(Duration.ofMinutes(10)));
        bed.store.write(StreamTestbed.success("req-slow"));
        var shortTimeout = new Dispatcher.Options(Duration.ofMillis(1000), 3, Duration.ofMillis(10), 8);
        var heliconeOnly = new LogForwarderHandler(ForwarderWiring.forwarder(new SinkSettings(List.of("helicone"), List.of(), false),
                bed.keys, new SqsFailureQueue(bed.sqs, bed.sqsServer.queueUrl()), shortTimeout, Clock.systemUTC()));

        StreamsEventResponse response = heliconeOnly.handleRequest(StreamTestbed.lambdaEvent(bed.readStream()), null);

        assertEquals(List.of(), failedIds(response));
        JsonNode message = bed.sqsServer.jsonMessages().get(0);
        assertEquals("helicone", message.get("sink").asText());
        assertEquals(3, message.get("attempts").asInt());
        assertTrue(message.get("reason").asText().contains("1000 ms"), message.toString());
        assertEquals(List.of(), bed.helicone.accepted(), "no answer came in time");
    }

    @Test
    void requestsRefusedForTheirRelayKey_stayInTheTable_andReachNoSink_whileAProvidersRefusalDoes() {
        bed.store.write(StreamTestbed.unauthenticated("req-no-key"));
        bed.store.write(StreamTestbed.providerRefusedItsKey("req-provider-401"));
        bed.store.write(StreamTestbed.success("req-ok"));

        StreamsEventResponse response = handler(ALL).handleRequest(StreamTestbed.lambdaEvent(bed.readStream()), null);

        assertEquals(List.of(), failedIds(response));
        assertEquals(List.of("req-provider-401", "req-ok"), bed.supabase.rows().stream().map(r -> r.get("litellm_call_id").asText()).toList());
        assertEquals(2, bed.posthog.events().size());
        assertEquals(2, bed.mixpanel.events().size());
        assertEquals(2, bed.helicone.logs().size());
        assertEquals(1, bed.sentry.events().size(), "the provider's refusal, a failure the operator must see");
        assertEquals("gpt-4o-mini", bed.sentry.events().get(0).at("/tags/model").asText());
        assertEquals(List.of(), bed.sqsServer.messages(), "left out, not failed");
        var kept = bed.dynamoDb.getItem(b -> b.tableName(bed.table).key(Map.of("request_id", AttributeValue.fromS("req-no-key")))).item();
        assertEquals(401, relay.aws.DynamoDbRequestLogStore.fromItem(kept).status(), "the table keeps it");
    }

    @Test
    void whenTheFailureQueueIsDownToo_onlyTheRecordsWithALostDelivery_areReportedAsBatchItemFailures() {
        bed.sentry.failNext(100, 503);
        bed.sqsServer.failNext(100, 500);
        bed.store.write(StreamTestbed.success("req-ok"));
        bed.store.write(StreamTestbed.failure("req-bad"));
        List<Record> records = bed.readStream();

        StreamsEventResponse response = handler(ALL).handleRequest(StreamTestbed.lambdaEvent(records), null);

        assertEquals(List.of(records.get(1).dynamodb().sequenceNumber()), failedIds(response),
                "the failure's Sentry delivery is lost: Lambda must read it again; the success is done");
        assertEquals(List.of(), bed.sqsServer.messages());
    }

    @Test
    void anItemThatIsNoRequestLog_goesToTheFailureQueueRaw() {
        bed.dynamoDb.putItem(b -> b.tableName(bed.table).item(Map.of(
                "request_id", AttributeValue.fromS("odd"), "time", AttributeValue.fromS("not a time"))));
        List<Record> records = bed.readStream();

        StreamsEventResponse response = handler(ALL).handleRequest(StreamTestbed.lambdaEvent(records), null);

        assertEquals(List.of(), failedIds(response));
        JsonNode message = bed.sqsServer.jsonMessages().get(0);
        assertEquals("*", message.get("sink").asText());
        assertEquals("odd", message.at("/item/request_id/S").asText());
        assertTrue(bed.sinks().stream().allMatch(s -> s.requests().isEmpty()));
    }

    @Test
    void updatesAndRemovals_areNotNewRecords_andAreSkipped() {
        bed.store.write(StreamTestbed.success("req-1"));
        bed.dynamoDb.deleteItem(b -> b.tableName(bed.table).key(Map.of("request_id", AttributeValue.fromS("req-1"))));
        List<Record> records = bed.readStream();
        DynamodbEvent onlyRemoval = StreamTestbed.lambdaEvent(records.subList(1, 2));

        StreamsEventResponse response = handler(ALL).handleRequest(onlyRemoval, null);

        assertEquals("REMOVE", records.get(1).eventNameAsString());
        assertEquals(List.of(), failedIds(response));
        assertTrue(bed.sinks().stream().allMatch(s -> s.requests().isEmpty()));
    }

    @Test
    void withNoCallbackConfigured_nothingIsSent() {
        bed.store.write(StreamTestbed.failure("req-1"));

        StreamsEventResponse response = handler(SinkSettings.NONE).handleRequest(StreamTestbed.lambdaEvent(bed.readStream()), null);

        assertEquals(List.of(), failedIds(response));
        assertTrue(bed.sinks().stream().allMatch(s -> s.requests().isEmpty()));
        assertFalse(handler(SinkSettings.NONE).handleRequest(new DynamodbEvent(), null).getBatchItemFailures() == null);
    }
}
