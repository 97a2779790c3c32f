package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import relay.core.config.RelayConfig;
import relay.core.keys.EnvironmentKeyStore;

class LocalServerOptionsTest {

    @Test
    void parsesTheDocumentedFlags() {
        var options = LocalServer.parse(new String[] {"--config", "c.yaml", "--port", "4100", "--data-dir", "/tmp/x"});

        assertEquals(Path.of("c.yaml"), options.configFile());
        assertEquals(4100, options.port());
        assertEquals(Path.of("/tmp/x"), options.dataDir());
        assertEquals(LocalServer.PRIME_ROUNDS, options.primeRounds(), "the command line's server primes by default");
        assertEquals(0, LocalServer.parse(new String[] {"--prime-rounds", "0"}).primeRounds());
        assertEquals(0, new LocalServer.Options(null, 0, null, null).primeRounds(), "a server started in process does not");
    }

    @Test
    void rejectsUnknownFlagsAndBadPorts() {
        assertThrows(IllegalArgumentException.class, () -> LocalServer.parse(new String[] {"--nope", "1"}));
        assertThrows(IllegalArgumentException.class, () -> LocalServer.parse(new String[] {"--port", "abc"}));
        assertThrows(IllegalArgumentException.class, () -> LocalServer.parse(new String[] {"--config"}));
        assertThrows(IllegalArgumentException.class, () -> LocalServer.parse(new String[] {"--prime-rounds", "-1"}));
        assertThrows(IllegalArgumentException.class, () -> LocalServer.parse(new String[] {"--prime-rounds", "many"}));
    }

    @Test
    void withoutAMasterKey_bindsToLoopbackOnly_andServesWithoutAuth() throws Exception {
        try (LocalServer server = LocalServer.start(new LocalServer.Options(null, 0, null, null), RelayConfig.empty(),
                new EnvironmentKeyStore(Map.of()))) {
            assertTrue(server.url().startsWith("http://127.0.0.1:"), server.url());
            HttpResponse<String> models = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(server.url() + "/v1/models")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, models.statusCode());
        }
    }

    @Test
    void dataDir_keepsTheRequestLogAcrossRestarts(@TempDir Path dir) throws Exception {
        var keys = new EnvironmentKeyStore(Map.of());
        var options = new LocalServer.Options(null, 0, dir, null);
        String body = "{\"model\":\"mock/m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        try (LocalServer server = LocalServer.start(options, RelayConfig.empty(), keys)) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
        }
        try (LocalServer again = LocalServer.start(options, RelayConfig.empty(), keys)) {
            int count = again.dynamoDbClient().scan(b -> b.tableName(LocalServer.REQUEST_LOG_TABLE)).count();
            assertEquals(1, count);
        }
    }
}
