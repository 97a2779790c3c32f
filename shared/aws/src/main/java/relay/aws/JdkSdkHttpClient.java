package relay.aws;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.http.AbortableInputStream;
import software.amazon.awssdk.http.ExecutableHttpRequest;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * The AWS SDK's HTTP transport on the JDK's {@link HttpClient}. The URL-connection client writes a
 * request's headers and body separately, so on every call the body waits out Nagle's algorithm
 * (about a millisecond even on loopback); the JDK client sends them together, keeps connections
 * alive, and is already loaded for the provider calls, so it costs nothing at cold start.
 */
public final class JdkSdkHttpClient implements SdkHttpClient {
    /** Headers the JDK client sets itself and refuses from callers. */
    private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "expect", "upgrade");

    private final HttpClient http;
    private final Duration requestTimeout;

    public JdkSdkHttpClient(Duration connectTimeout, Duration requestTimeout) {
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .build();
        this.requestTimeout = requestTimeout;
    }

    @Override
    public ExecutableHttpRequest prepareRequest(HttpExecuteRequest request) {
        SdkHttpRequest sdk = request.httpRequest();
        HttpRequest.Builder builder = HttpRequest.newBuilder(sdk.getUri()).timeout(requestTimeout);
        sdk.forEachHeader((name, values) -> {
            if (!RESTRICTED.contains(name.toLowerCase(Locale.ROOT))) values.forEach(v -> builder.header(name, v));
        });
        byte[] body = request.contentStreamProvider().map(provider -> {
            try (InputStream in = provider.newStream()) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).orElse(null);
        builder.method(sdk.method().name(), body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body));
        HttpRequest built = builder.build();
        return new ExecutableHttpRequest() {
            @Override
            public HttpExecuteResponse call() throws IOException {
                HttpResponse<InputStream> response;
                try {
                    response = http.send(built, HttpResponse.BodyHandlers.ofInputStream());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                SdkHttpResponse.Builder sdkResponse = SdkHttpResponse.builder().statusCode(response.statusCode());
                for (Map.Entry<String, List<String>> header : response.headers().map().entrySet()) {
                    sdkResponse.putHeader(header.getKey(), header.getValue());
                }
                return HttpExecuteResponse.builder()
                        .response(sdkResponse.build())
                        .responseBody(AbortableInputStream.create(response.body()))
                        .build();
            }

            @Override
            public void abort() {
                // the SDK's own timeouts end the call; the JDK client has no per-request abort
            }
        };
    }

    @Override
    public String clientName() {
        return "JdkHttpClient";
    }

    @Override
    public void close() {
        http.close();
    }
}
