package relay.providers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.AnswerLimits;
import relay.core.provider.Deployment;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.provider.RequestSigner;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.RequestParser;

/**
 * A provider that answers without end (a huge JSON body, a stream line that never ends) against a real loopback
 * server: every provider stops reading at its limit and fails with a 502 naming itself, instead of filling the
 * heap. The server keeps the connection open after sending past the limit, so a reader that does not stop at
 * the limit waits instead of passing.
 */
class AnswerLimitsUpstreamTest {
    static final AnswerLimits SMALL = new AnswerLimits(1024 * 1024, 64 * 1024);
    static HttpClient http;
    static List<Provider> providers;

    HttpServer server;
    /** What the next request gets: a JSON body of this many bytes, or (stream) an event line of this many. */
    volatile long bodyBytes;
    volatile boolean stream;
    final AtomicLong sent = new AtomicLong();
    final CountDownLatch testDone = new CountDownLatch(1);

    @BeforeAll
    static void clients() {
        http = Providers.httpClient();
        providers = Providers.all(http, Clock.systemUTC(), RequestSigner.NONE);
    }

    @AfterAll
    static void closeClients() {
        http.shutdownNow();
    }

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::answer);
        server.start();
    }

    @AfterEach
    void stop() {
        testDone.countDown();
        server.stop(0);
    }

    /** Sends the configured answer in pieces, then holds the connection open until the test is over. */
    void answer(HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        exchange.getResponseHeaders().set("content-type", stream ? "text/event-stream" : "application/json");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            byte[] piece = new byte[16 * 1024];
            if (stream) {
                write(out, "data: ".getBytes(StandardCharsets.UTF_8));
                Arrays.fill(piece, (byte) 'x'); // one line that never ends
                for (long n = 0; n < bodyBytes; n += piece.length) write(out, piece);
            } else {
                write(out, "{\"choices\":[".getBytes(StandardCharsets.UTF_8)); // many small strings: a body, not one huge value
                byte[] item = ("\"" + "y".repeat(1000) + "\",").getBytes(StandardCharsets.UTF_8);
                for (long n = 0; n < bodyBytes; n += item.length) write(out, item);
            }
            out.flush();
            testDone.await(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException clientGone) {
            // the client stopped reading and closed the connection: what the test expects
        }
    }

    void write(OutputStream out, byte[] bytes) throws IOException {
        out.write(bytes);
        sent.addAndGet(bytes.length);
    }

    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    ProviderCall<ChatCompletionRequest> call(String provider, String basePath, AnswerLimits limits) {
        String json = "{\"model\":\"g\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        ChatCompletionRequest request = RequestParser.chat(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
        Deployment deployment = new Deployment("g", provider, "m-1", base() + basePath, null, Duration.ofSeconds(60));
        return new ProviderCall<>(deployment, request, "sk-upstream-key-0123456789", Duration.ofSeconds(60), limits);
    }

    static Provider provider(String name) {
        return providers.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    static Stream<String> streamingProviders() {
        return Stream.of("openai", "groq", "anthropic", "cohere", "gemini");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streamingProviders")
    void aStreamEventOverTheLimit_failsAs502NamingTheProvider(String name) {
        stream = true;
        bodyBytes = 4L * SMALL.eventBytes();

        RelayException e = assertThrows(RelayException.class, () -> provider(name).streamChat(call(name, "/v1", SMALL), chunk -> {}));

        assertEquals(ErrorKind.PROVIDER_ERROR, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith(name + " (m-1) sent a stream event larger than 64 KB"), e.getMessage());
        assertTrue(e.getMessage().contains("max_stream_event_size_mb"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streamingProviders")
    void aWholeAnswerOverTheLimit_failsAs502NamingTheProvider(String name) {
        bodyBytes = 2L * SMALL.bodyBytes();

        RelayException e = assertThrows(RelayException.class, () -> provider(name).chat(call(name, "/v1", SMALL)));

        assertEquals(ErrorKind.PROVIDER_ERROR, e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith(name + " (m-1) sent an answer larger than 1 MB"), e.getMessage());
        assertTrue(e.getMessage().contains("max_response_size_mb"), e.getMessage());
    }

    @Test
    void theDefaultLimits_applyWithoutAnyConfig() {
        bodyBytes = AnswerLimits.DEFAULT_BODY_BYTES + 1024 * 1024;
        RelayException body = assertThrows(RelayException.class,
                () -> provider("openai").chat(call("openai", "/v1", AnswerLimits.DEFAULT)));
        assertTrue(body.getMessage().contains("larger than 32 MB"), body.getMessage());

        stream = true;
        bodyBytes = AnswerLimits.DEFAULT_EVENT_BYTES + 1024 * 1024;
        RelayException event = assertThrows(RelayException.class,
                () -> provider("openai").streamChat(call("openai", "/v1", AnswerLimits.DEFAULT), chunk -> {}));
        assertTrue(event.getMessage().contains("larger than 8 MB"), event.getMessage());
    }
}
