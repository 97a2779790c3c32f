package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;

/**
 * The AWS JSON 1.0 protocol: {@code POST /} with {@code X-Amz-Target: <service>.<Operation>} and a JSON body.
 * Signatures are not checked. Every response carries a request id and the CRC32 of its body, which the SDK
 * verifies.
 */
final class ApiHandler implements HttpHandler {
    private static final Logger LOG = Logger.getLogger(ApiHandler.class.getName());
    private static final String CONTENT_TYPE = "application/x-amz-json-1.0";
    private static final String DYNAMODB = "DynamoDB_20120810.";
    private static final String STREAMS = "DynamoDBStreams_20120810.";

    private final Map<String, Function<Request, ObjectNode>> operations;

    ApiHandler(Database database) {
        TableOperations tables = new TableOperations(database);
        ItemOperations items = new ItemOperations(database);
        ReadOperations reads = new ReadOperations(database);
        TransactionOperations transactions = new TransactionOperations(database, items);
        StreamOperations streams = new StreamOperations(database);
        operations = Map.ofEntries(
                Map.entry(DYNAMODB + "CreateTable", tables::createTable),
                Map.entry(DYNAMODB + "DescribeTable", tables::describeTable),
                Map.entry(DYNAMODB + "ListTables", tables::listTables),
                Map.entry(DYNAMODB + "DeleteTable", tables::deleteTable),
                Map.entry(DYNAMODB + "UpdateTimeToLive", tables::updateTimeToLive),
                Map.entry(DYNAMODB + "DescribeTimeToLive", tables::describeTimeToLive),
                Map.entry(DYNAMODB + "PutItem", items::putItem),
                Map.entry(DYNAMODB + "GetItem", items::getItem),
                Map.entry(DYNAMODB + "DeleteItem", items::deleteItem),
                Map.entry(DYNAMODB + "UpdateItem", items::updateItem),
                Map.entry(DYNAMODB + "BatchGetItem", items::batchGetItem),
                Map.entry(DYNAMODB + "BatchWriteItem", items::batchWriteItem),
                Map.entry(DYNAMODB + "Query", reads::query),
                Map.entry(DYNAMODB + "Scan", reads::scan),
                Map.entry(DYNAMODB + "TransactWriteItems", transactions::transactWriteItems),
                Map.entry(DYNAMODB + "TransactGetItems", transactions::transactGetItems),
                Map.entry(STREAMS + "ListStreams", streams::listStreams),
                Map.entry(STREAMS + "DescribeStream", streams::describeStream),
                Map.entry(STREAMS + "GetShardIterator", streams::getShardIterator),
                Map.entry(STREAMS + "GetRecords", streams::getRecords));
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = readBody(exchange);
            if (!"POST".equals(exchange.getRequestMethod())) {
                // DynamoDB answers a plain GET with a health line; load balancers and humans use it.
                send(exchange, 200, "text/plain", "healthy: dynamodb.us-east-1.amazonaws.com ".getBytes(
                        StandardCharsets.UTF_8));
                return;
            }
            int status = 200;
            ObjectNode response;
            try {
                response = dispatch(exchange.getRequestHeaders().getFirst("X-Amz-Target"), body);
            } catch (ApiException e) {
                status = e.status();
                response = e.toJson();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "Unexpected failure handling a DynamoDB request", e);
                ApiException internal = ApiException.internal("Internal server error: " + e);
                status = internal.status();
                response = internal.toJson();
            }
            send(exchange, status, CONTENT_TYPE, Json.bytes(response));
        }
    }

    private ObjectNode dispatch(String target, byte[] body) {
        if (target == null) {
            throw ApiException.unknownOperation("(no X-Amz-Target header)");
        }
        Function<Request, ObjectNode> operation = operations.get(target);
        if (operation == null) {
            throw ApiException.unknownOperation(target);
        }
        return operation.apply(new Request(Json.parseObject(body)));
    }

    private static byte[] readBody(HttpExchange exchange) throws IOException {
        InputStream in = exchange.getRequestBody();
        if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
            in = new GZIPInputStream(in);
        }
        return in.readAllBytes();
    }

    private static void send(HttpExchange exchange, int status, String contentType, byte[] body) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(body);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.getResponseHeaders().set("x-amz-crc32", Long.toString(crc.getValue()));
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
