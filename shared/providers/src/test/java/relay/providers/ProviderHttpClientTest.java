package relay.providers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import relay.providers.http.ProviderHttp;
import relay.providers.http.ServerSentEvents;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The one client all provider calls go through, with its real settings, against an HTTPS server on loopback that
 * speaks HTTP/2 (as OpenAI, Anthropic and Google do) or HTTP/1.1 only. The client does its own work on its selector
 * thread ({@link Providers#httpClientSettings}); these tests hold it to what that must never cost: an answer over
 * TLS, many at once on one connection, and a stalled reader that holds up nobody else.
 */
class ProviderHttpClientTest {
    /** An upper bound for things that must happen; they take milliseconds, and only a hang reaches it. */
    private static final long WAIT_SECONDS = 60;
    private static final int STREAM_CHUNK = 16 * 1024;
    private static final int STREAM_CHUNKS = 256; // 4 MB: far past HTTP/2's flow-control window and the client's buffers

    @TempDir
    static Path dir;
    private static Server server;
    private static ServerConnector http2;
    private static ServerConnector http1Only;
    /** TCP connections the HTTP/1.1-only connector has accepted. */
    private static final AtomicInteger http1Connections = new AtomicInteger();
    /** Lets {@code /held} end its body. */
    private static final CountDownLatch releaseHeld = new CountDownLatch(1);
    private static HttpClient client;

    enum Protocol { HTTP_2, HTTP_1_1 }

    @BeforeAll
    static void start() throws Exception {
        Path keyStore = selfSignedKeyStore(dir);
        server = new Server();
        http2 = connector(keyStore, true);
        http1Only = connector(keyStore, false);
        server.addConnector(http2);
        server.addConnector(http1Only);
        http1Only.addEventListener(new Connection.Listener() {
            @Override
            public void onOpened(Connection connection) {
                if (connection instanceof SslConnection) http1Connections.incrementAndGet();
            }
        });
        server.setHandler(new Upstream());
        server.start();
        client = Providers.httpClientSettings().sslContext(trusting(keyStore)).build();
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) client.close();
        if (server != null) server.stop();
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void answersOverTls_manyAtOnce(Protocol protocol) throws Exception {
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<InputStream>>> answers = new ArrayList<>();
            for (int i = 0; i < 24; i++) answers.add(callers.submit(post(protocol, "request " + i)));
            for (int i = 0; i < answers.size(); i++) {
                HttpResponse<InputStream> answer = answers.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS);
                assertEquals(200, answer.statusCode());
                assertEquals(protocol == Protocol.HTTP_2 ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1, answer.version());
                try (InputStream body = answer.body()) {
                    assertEquals("{\"echo\":\"request " + i + "\"}", new String(body.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        }
    }

    @Test
    void answersReadWhole_leaveTheirConnectionForTheNext() throws Exception {
        // A body closed at its closing brace, before the newline after it, took its connection with it now and then.
        assertOneConnectionForSixtyCalls("/json", body ->
                assertEquals("chatcmpl-1", ProviderHttp.readJson("upstream", body, 1 << 20).path("id").asText()));
    }

    @Test
    void streamsReadToTheirLastEvent_leaveTheirConnectionForTheNext() throws Exception {
        // The last chunk comes after [DONE]: a stream closed at [DONE] took its connection with it now and then.
        assertOneConnectionForSixtyCalls("/events", body -> {
            List<String> events = new ArrayList<>();
            assertTrue(ServerSentEvents.read(body, event -> !event.data().equals("[DONE]") && events.add(event.data())));
            assertEquals(List.of("{\"n\":0}", "{\"n\":1}"), events);
        });
    }

    /** Sixty HTTP/1.1 calls to {@code path} one after another, each body read by {@code reader}, open one connection at most. */
    private static void assertOneConnectionForSixtyCalls(String path, Consumer<InputStream> reader) throws Exception {
        int before = http1Connections.get();
        for (int i = 0; i < 60; i++) {
            reader.accept(client.send(HttpRequest.newBuilder(uri(Protocol.HTTP_1_1, path)).build(),
                    HttpResponse.BodyHandlers.ofInputStream()).body());
        }
        int opened = http1Connections.get() - before;
        assertTrue(opened <= 1, "connections opened for 60 calls to " + path + " one after another: " + opened);
    }

    @Test
    void aBodyHeldOpenAfterTheLastEvent_isCutByTheAttemptsInterrupt_andTheStreamIsStillComplete() throws Exception {
        HttpResponse<InputStream> answer = client.send(HttpRequest.newBuilder(uri(Protocol.HTTP_1_1, "/held")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        CountDownLatch lastEventRead = new CountDownLatch(1);
        List<String> events = new CopyOnWriteArrayList<>();
        FutureTask<Boolean> reading = new FutureTask<>(() -> ServerSentEvents.read(
                answer.body(), event -> {
                    if (event.data().equals("[DONE]")) {
                        lastEventRead.countDown();
                        return false;
                    }
                    return events.add(event.data());
                }));
        Thread reader = Thread.ofPlatform().start(reading);
        try {
            assertTrue(lastEventRead.await(WAIT_SECONDS, TimeUnit.SECONDS));
            // The reader now waits for a body's end that does not come; the attempt's watch ends a wait like this
            // at its time limit by interrupting the thread. The stream it read is whole all the same.
            reader.interrupt();
            assertTrue(reading.get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertEquals(List.of("{\"n\":0}"), events);
        } finally {
            releaseHeld.countDown();
        }
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void aStalledReader_holdsUpNoOtherAnswer(Protocol protocol) throws Exception {
        HttpResponse<InputStream> stream = client.send(HttpRequest.newBuilder(uri(protocol, "/stream")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = stream.body()) {
            byte[] first = body.readNBytes(STREAM_CHUNK);
            assertEquals(STREAM_CHUNK, first.length);
            // The server now has megabytes more to send and nobody reads them. Other answers still come, on the
            // same HTTP/2 connection too: the client does not take bytes its reader has not asked for.
            try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<HttpResponse<InputStream>>> answers = new ArrayList<>();
                for (int i = 0; i < 8; i++) answers.add(callers.submit(post(protocol, "while stalled " + i)));
                for (int i = 0; i < answers.size(); i++) {
                    try (InputStream answer = answers.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS).body()) {
                        assertEquals("{\"echo\":\"while stalled " + i + "\"}", new String(answer.readAllBytes(), StandardCharsets.UTF_8));
                    }
                }
            }
            byte[] rest = body.readAllBytes(); // and the stalled answer goes on, whole, once read again
            assertEquals(STREAM_CHUNK * (STREAM_CHUNKS - 1), rest.length);
            assertArrayEquals(chunk(STREAM_CHUNKS - 1), Arrays.copyOfRange(rest, rest.length - STREAM_CHUNK, rest.length));
        }
    }

    private static Callable<HttpResponse<InputStream>> post(Protocol protocol, String text) {
        return () -> client.send(HttpRequest.newBuilder(uri(protocol, "/echo")).timeout(Duration.ofSeconds(WAIT_SECONDS))
                .POST(HttpRequest.BodyPublishers.ofString(text)).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private static URI uri(Protocol protocol, String path) {
        ServerConnector connector = protocol == Protocol.HTTP_2 ? http2 : http1Only;
        return URI.create("https://127.0.0.1:" + connector.getLocalPort() + path);
    }

    /** Chunk {@code n} of the stream: every byte is {@code n}, so a lost or reordered chunk shows. */
    private static byte[] chunk(int n) {
        byte[] bytes = new byte[STREAM_CHUNK];
        Arrays.fill(bytes, (byte) n);
        return bytes;
    }

    /** {@code /echo} answers the body it was sent; {@code /stream} sends {@link #STREAM_CHUNKS} chunks, each flushed. */
    private static final class Upstream extends Handler.Abstract {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            if (Request.getPathInContext(request).equals("/json")) { // as OpenAI sends it: a newline after the JSON
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
                response.write(true, ByteBuffer.wrap("{\"id\":\"chatcmpl-1\"}\n".getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
            if (Request.getPathInContext(request).equals("/events")) { // each event flushed, the body's end after the last
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
                try (var out = Content.Sink.asOutputStream(response)) {
                    for (String data : List.of("{\"n\":0}", "{\"n\":1}", "[DONE]")) {
                        out.write(("data: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
                        out.flush();
                    }
                }
                callback.succeeded();
                return true;
            }
            if (Request.getPathInContext(request).equals("/held")) { // the last event, then a body that does not end
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
                try (var out = Content.Sink.asOutputStream(response)) {
                    out.write("data: {\"n\":0}\n\ndata: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    releaseHeld.await(WAIT_SECONDS, TimeUnit.SECONDS);
                }
                callback.succeeded();
                return true;
            }
            if (Request.getPathInContext(request).equals("/stream")) {
                response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
                try (var out = Content.Sink.asOutputStream(response)) {
                    for (int i = 0; i < STREAM_CHUNKS; i++) {
                        out.write(chunk(i));
                        out.flush();
                    }
                }
                callback.succeeded();
                return true;
            }
            String text = Content.Source.asString(request, StandardCharsets.UTF_8);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
            response.write(true, ByteBuffer.wrap(("{\"echo\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8)), callback);
            return true;
        }
    }

    /** TLS on loopback, offering HTTP/2 by ALPN, or HTTP/1.1 alone. */
    private static ServerConnector connector(Path keyStore, boolean offerHttp2) {
        SslContextFactory.Server tls = new SslContextFactory.Server();
        tls.setKeyStorePath(keyStore.toString());
        tls.setKeyStoreType("PKCS12");
        tls.setKeyStorePassword("changeit");
        HttpConfiguration config = new HttpConfiguration();
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        secure.setSniHostCheck(false); // the client connects to an IP address, which sends no SNI
        config.addCustomizer(secure);
        HttpConnectionFactory h1 = new HttpConnectionFactory(config);
        ServerConnector connector;
        if (offerHttp2) {
            HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(config);
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory(h2.getProtocol(), h1.getProtocol());
            alpn.setDefaultProtocol(h1.getProtocol());
            connector = new ServerConnector(server, new SslConnectionFactory(tls, alpn.getProtocol()), alpn, h2, h1);
        } else {
            connector = new ServerConnector(server, new SslConnectionFactory(tls, h1.getProtocol()), h1);
        }
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        return connector;
    }

    /** A key pair and a certificate for 127.0.0.1, made by the JDK's own keytool. */
    private static Path selfSignedKeyStore(Path dir) throws Exception {
        Path keyStore = dir.resolve("upstream.p12");
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "upstream", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", "changeit")
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0 || !Files.exists(keyStore)) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        return keyStore;
    }

    /** A client TLS context that trusts the certificate in {@code keyStore} and nothing else. */
    private static SSLContext trusting(Path keyStore) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, "changeit".toCharArray());
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }
}
