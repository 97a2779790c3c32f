package relay.forwarder;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The Lambda event library's DynamoDB attribute values ({@code aws-lambda-java-events}) as the AWS
 * SDK's, so a stream image reads back through the same {@code fromItem} the store writes with.
 */
final class StreamImages {
    private StreamImages() {}

    static Map<String, AttributeValue> toSdk(
            Map<String, com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue> image) {
        if (image == null) return null;
        Map<String, AttributeValue> item = new HashMap<>();
        image.forEach((name, value) -> item.put(name, toSdk(value)));
        return item;
    }

    static AttributeValue toSdk(com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue v) {
        if (v.getS() != null) return AttributeValue.fromS(v.getS());
        if (v.getN() != null) return AttributeValue.fromN(v.getN());
        if (v.getB() != null) return AttributeValue.fromB(SdkBytes.fromByteBuffer(v.getB().duplicate()));
        if (v.getBOOL() != null) return AttributeValue.fromBool(v.getBOOL());
        if (Boolean.TRUE.equals(v.getNULL())) return AttributeValue.fromNul(true);
        if (v.getSS() != null) return AttributeValue.fromSs(List.copyOf(v.getSS()));
        if (v.getNS() != null) return AttributeValue.fromNs(List.copyOf(v.getNS()));
        if (v.getBS() != null) {
            return AttributeValue.fromBs(v.getBS().stream().map(b -> SdkBytes.fromByteBuffer(b.duplicate())).toList());
        }
        if (v.getM() != null) return AttributeValue.fromM(toSdk(v.getM()));
        if (v.getL() != null) return AttributeValue.fromL(v.getL().stream().map(StreamImages::toSdk).toList());
        return AttributeValue.fromNul(true);
    }
}
