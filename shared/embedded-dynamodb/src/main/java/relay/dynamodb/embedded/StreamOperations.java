package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The DynamoDB Streams API: ListStreams, DescribeStream, GetShardIterator and GetRecords. A shard iterator is an
 * opaque token naming the stream and the next sequence number to read.
 */
final class StreamOperations {
    private static final List<String> ITERATOR_TYPES =
            List.of("TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER");

    private final Database database;

    StreamOperations(Database database) {
        this.database = database;
    }

    private List<StreamLog> streams() {
        List<StreamLog> streams = new ArrayList<>();
        for (Table table : database.tables()) {
            if (table.stream() != null) {
                streams.add(table.stream());
            }
        }
        return streams;
    }

    private StreamLog stream(String arn) {
        return streams().stream().filter(s -> s.arn().equals(arn)).findFirst()
                .orElseThrow(() -> ApiException.resourceNotFound("Requested resource not found: Stream: " + arn
                        + " not found"));
    }

    ObjectNode listStreams(Request request) {
        String tableName = request.string("TableName");
        int limit = request.integer("Limit", 1, 100, 100);
        String start = request.string("ExclusiveStartStreamArn");
        if (tableName != null) {
            database.describedTable(tableName);
        }
        ArrayNode page = Json.array();
        String last = null;
        boolean started = start == null;
        for (StreamLog stream : streams()) {
            if (tableName != null && !tableName.equals(stream.tableName())) {
                continue;
            }
            if (!started) {
                started = stream.arn().equals(start);
                continue;
            }
            if (page.size() == limit) {
                last = page.get(page.size() - 1).get("StreamArn").asText();
                break;
            }
            page.addObject().put("StreamArn", stream.arn()).put("TableName", stream.tableName())
                    .put("StreamLabel", stream.label());
        }
        ObjectNode response = Json.object();
        response.set("Streams", page);
        if (last != null) {
            response.put("LastEvaluatedStreamArn", last);
        }
        return response;
    }

    ObjectNode describeStream(Request request) {
        StreamLog stream = stream(request.requiredString("StreamArn"));
        return Json.object().set("StreamDescription", stream.describe());
    }

    ObjectNode getShardIterator(Request request) {
        StreamLog stream = stream(request.requiredString("StreamArn"));
        String shardId = request.requiredString("ShardId");
        if (!shardId.equals(StreamLog.SHARD_ID)) {
            throw ApiException.resourceNotFound("Requested resource not found: Shard does not exist");
        }
        String type = request.oneOf("ShardIteratorType", null, ITERATOR_TYPES);
        if (type == null) {
            throw Request.missing("ShardIteratorType");
        }
        String sequenceNumber = request.string("SequenceNumber");
        boolean needsSequence = type.endsWith("SEQUENCE_NUMBER");
        if (needsSequence != (sequenceNumber != null)) {
            throw ApiException.validation(needsSequence
                    ? "Must specify SequenceNumber when ShardIteratorType is " + type
                    : "Must not specify SequenceNumber when ShardIteratorType is " + type);
        }
        long position = switch (type) {
            case "TRIM_HORIZON" -> stream.trimHorizon();
            case "LATEST" -> stream.latest();
            case "AT_SEQUENCE_NUMBER" -> sequence(sequenceNumber);
            default -> sequence(sequenceNumber) + 1;
        };
        stream.checkRetained(position);
        return Json.object().put("ShardIterator", iterator(stream.arn(), position));
    }

    ObjectNode getRecords(Request request) {
        String iterator = request.requiredString("ShardIterator");
        int limit = request.integer("Limit", 1, 1000, 1000);
        String decoded;
        try {
            decoded = new String(Base64.getUrlDecoder().decode(iterator), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ApiException.validation("Invalid ShardIterator");
        }
        int separator = decoded.lastIndexOf('|');
        if (separator < 0) {
            throw ApiException.validation("Invalid ShardIterator");
        }
        StreamLog stream = stream(decoded.substring(0, separator));
        StreamLog.Page page = stream.read(sequence(decoded.substring(separator + 1)), limit);
        ObjectNode response = Json.object();
        ArrayNode records = response.putArray("Records");
        page.records().forEach(records::add);
        response.put("NextShardIterator", iterator(stream.arn(), page.next()));
        return response;
    }

    private static String iterator(String streamArn, long position) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString((streamArn + "|" + position).getBytes(StandardCharsets.UTF_8));
    }

    private static long sequence(String text) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw ApiException.validation("Invalid SequenceNumber: " + text);
        }
    }
}
