package relay.providers.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;

class ProviderHttpReadJsonTest {
    static final long LIMIT = relay.core.provider.AnswerLimits.DEFAULT_BODY_BYTES;

    private static InputStream failingWith(IOException failure) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                throw failure;
            }
        };
    }

    @Test
    void aBodyCutOffByTheCallsTimeout_isATimeout() {
        RelayException e = assertThrows(RelayException.class,
                () -> ProviderHttp.readJson("replicate", failingWith(new HttpTimeoutException("request timed out")), LIMIT));
        assertEquals(ErrorKind.REQUEST_TIMEOUT, e.kind());
    }

    @Test
    void aBrokenOrUnreadableBody_isTheProvidersFault() {
        assertEquals(ErrorKind.PROVIDER_ERROR, assertThrows(RelayException.class,
                () -> ProviderHttp.readJson("x", failingWith(new IOException("connection reset")), LIMIT)).kind());
        assertEquals(ErrorKind.PROVIDER_ERROR, assertThrows(RelayException.class,
                () -> ProviderHttp.readJson("x", new ByteArrayInputStream("{\"a\":".getBytes(StandardCharsets.UTF_8)), LIMIT)).kind());
    }

    @Test
    void json_isRead() {
        assertEquals(1, ProviderHttp.readJson("x", new ByteArrayInputStream("{\"a\":1}".getBytes(StandardCharsets.UTF_8)), LIMIT).path("a").asInt());
    }

    /** An endless body: '{"a":"' then 'x' forever, counting what was read from it. */
    static final class Endless extends InputStream {
        final byte[] head = "{\"a\":\"".getBytes(StandardCharsets.UTF_8);
        long served;

        @Override
        public int read() {
            return served < head.length ? head[(int) served++] : (served++ >= 0 ? 'x' : -1);
        }
    }

    @Test
    void aBodyOverTheLimit_isTheProvidersFault_namingItAndTheSetting_andIsNotReadPastTheLimit() {
        Endless endless = new Endless();

        RelayException e = assertThrows(RelayException.class, () -> ProviderHttp.readJson("openai (gpt-4o)", endless, 1024 * 1024));

        assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
        assertEquals(502, e.kind().status());
        assertTrue(e.getMessage().startsWith("openai (gpt-4o) sent an answer larger than 1 MB"), e.getMessage());
        assertTrue(e.getMessage().contains("max_response_size_mb"), e.getMessage());
        assertTrue(endless.served <= 1024 * 1024 + 1, "read " + endless.served);
    }

    @Test
    void aBodyOfExactlyTheLimit_isRead() {
        String json = "{\"a\":\"" + "y".repeat(1000) + "\"}";
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);

        assertEquals(1000, ProviderHttp.readJson("x", new ByteArrayInputStream(bytes), bytes.length).path("a").asText().length());
        assertThrows(RelayException.class, () -> ProviderHttp.readJson("x", new ByteArrayInputStream(bytes), bytes.length - 1));
    }
}
