package relay.dynamodb.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The wire protocol as seen without the SDK. */
class ProtocolTest {
    private static EmbeddedDynamoDb db;
    private static HttpClient http;

    @BeforeAll
    static void start() {
        db = EmbeddedDynamoDb.start();
        http = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    private static HttpResponse<String> post(String target, String body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(db.endpoint().resolve("/"))
                .header("Content-Type", "application/x-amz-json-1.0")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (target != null) {
            request.header("X-Amz-Target", target);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void endpoint_isLoopbackAtTheChosenPort() {
        assertEquals(URI.create("http://127.0.0.1:" + db.port()), db.endpoint());
        assertTrue(db.port() > 0);
    }

    @Test
    void response_carriesJsonContentTypeRequestIdAndCrc32OfBody() throws Exception {
        HttpResponse<String> response = post("DynamoDB_20120810.ListTables", "{}");

        CRC32 crc = new CRC32();
        crc.update(response.body().getBytes(StandardCharsets.UTF_8));
        assertEquals(200, response.statusCode());
        assertEquals("application/x-amz-json-1.0", response.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(response.headers().firstValue("x-amzn-RequestId").isPresent());
        assertEquals(Long.toString(crc.getValue()), response.headers().firstValue("x-amz-crc32").orElseThrow());
        assertEquals("{\"TableNames\":[]}", response.body());
    }

    @Test
    void unknownOperation_isHttp400WithUnknownOperationType() throws Exception {
        HttpResponse<String> response = post("DynamoDB_20120810.TransmogrifyTable", "{}");

        assertEquals(400, response.statusCode());
        assertTrue(response.body().contains("#UnknownOperationException\""), response.body());
    }

    @Test
    void missingTable_isHttp400WithResourceNotFoundType() throws Exception {
        HttpResponse<String> response = post("DynamoDB_20120810.GetItem",
                "{\"TableName\":\"ghost\",\"Key\":{\"id\":{\"S\":\"x\"}}}");

        assertEquals(400, response.statusCode());
        assertEquals("{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException\","
                + "\"message\":\"Requested resource not found\"}", response.body());
    }

    @Test
    void malformedJson_isHttp400SerializationException() throws Exception {
        HttpResponse<String> response = post("DynamoDB_20120810.ListTables", "{not json");

        assertEquals(400, response.statusCode());
        assertTrue(response.body().contains("SerializationException"), response.body());
    }

    @Test
    void get_answersAHealthLine() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(db.endpoint()).GET().build(),
                HttpResponse.BodyHandlers.ofString());

        assertEquals(200, response.statusCode());
        assertTrue(response.body().startsWith("healthy:"));
    }

    @Test
    void numberGivenAsAJsonNumber_isSerializationException() throws Exception {
        post("DynamoDB_20120810.CreateTable", "{\"TableName\":\"numbers\",\"BillingMode\":\"PAY_PER_REQUEST\","
                + "\"AttributeDefinitions\":[{\"AttributeName\":\"id\",\"AttributeType\":\"S\"}],"
                + "\"KeySchema\":[{\"AttributeName\":\"id\",\"KeyType\":\"HASH\"}]}");

        HttpResponse<String> response = post("DynamoDB_20120810.PutItem",
                "{\"TableName\":\"numbers\",\"Item\":{\"id\":{\"S\":\"x\"},\"n\":{\"N\":123}}}");

        assertEquals(400, response.statusCode());
        assertTrue(response.body().contains("#SerializationException\""), response.body());
    }
}
