package relay.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class StreamImagesTest {

    @Test
    void everyAttributeType_convertsToTheSdksValue() {
        Map<String, AttributeValue> item = Map.of(
                "s", AttributeValue.fromS("text"),
                "n", AttributeValue.fromN("12.50"),
                "b", AttributeValue.fromB(SdkBytes.fromUtf8String("bytes")),
                "bool", AttributeValue.fromBool(true),
                "null", AttributeValue.fromNul(true),
                "ss", AttributeValue.fromSs(List.of("a", "b")),
                "ns", AttributeValue.fromNs(List.of("1", "2")),
                "bs", AttributeValue.fromBs(List.of(SdkBytes.fromUtf8String("x"))),
                "m", AttributeValue.fromM(Map.of("inner", AttributeValue.fromL(List.of(AttributeValue.fromS("deep"))))),
                "l", AttributeValue.fromL(List.of(AttributeValue.fromN("1"), AttributeValue.fromM(Map.of()))));

        assertEquals(item, StreamImages.toSdk(StreamTestbed.toLambda(item)));
    }

    @Test
    void theFailureQueueGetsUnreadableItemsAsDynamoDbJson() {
        var json = LogForwarder.toJson(Map.of("id", AttributeValue.fromS("x"), "l", AttributeValue.fromL(List.of()),
                "m", AttributeValue.fromM(Map.of("n", AttributeValue.fromN("1")))));

        assertEquals("x", json.at("/id/S").asText());
        assertEquals(0, json.at("/l/L").size());
        assertEquals("1", json.at("/m/M/n/N").asText());
    }
}
