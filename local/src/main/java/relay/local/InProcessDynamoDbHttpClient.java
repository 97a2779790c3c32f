package relay.local;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * The AWS SDK's transport to the local server's own embedded DynamoDB, in the same process: each request goes to
 * {@link EmbeddedDynamoDb#call} on the caller's thread and gets the answer the HTTP endpoint would send, without
 * loopback HTTP (its connection handling and server threads cost about as much as the SDK call itself). The
 * request's URL is not used; the embedded server keeps its HTTP endpoint for other clients.
 */
final class InProcessDynamoDbHttpClient implements SdkHttpClient {
    private final EmbeddedDynamoDb dynamoDb;

    InProcessDynamoDbHttpClient(EmbeddedDynamoDb dynamoDb) {
        this.dynamoDb = dynamoDb;
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() throws IOException {
                String target = request.httpRequest().firstMatchingHeader("X-Amz-Target").orElse(null);
                boolean gzip = request.httpRequest().firstMatchingHeader("Content-Encoding")
                        .filter("gzip"::equalsIgnoreCase).isPresent();
                byte[] body = new byte[0];
                if (request.contentStreamProvider().isPresent()) {
                    try (InputStream in = request.contentStreamProvider().get().newStream()) {
                        body = (gzip ? new GZIPInputStream(in) : in).readAllBytes();
                    }
                }
                EmbeddedDynamoDb.Answer answer = dynamoDb.call(target, body);
                SdkHttpResponse.Builder response = SdkHttpResponse.builder().statusCode(answer.status());
                answer.headers().forEach(response::putHeader);
                response.putHeader("Content-Length", Integer.toString(answer.body().length));
                return HttpExecuteResponse.builder()
                        .response(response.build())
                        .responseBody(AbortableInputStream.create(new ByteArrayInputStream(answer.body())))
                        .build();
            }

            @Override
            public void abort() {
                // the call runs on the caller's thread, which the SDK interrupts on a timeout
            }
        };
    }

    @Override
    public String clientName() {
        return "RelayInProcess";
    }

    @Override
    public void close() {
        // the embedded DynamoDB is the local server's to close
    }
}
