package relay.providers.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;

class ProviderHttpReadJsonTest {

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
                () -> ProviderHttp.readJson("replicate", failingWith(new HttpTimeoutException("request timed out"))));
        assertEquals(ErrorKind.REQUEST_TIMEOUT, e.kind());
    }

    @Test
    void aBrokenOrUnreadableBody_isTheProvidersFault() {
        assertEquals(ErrorKind.PROVIDER_ERROR, assertThrows(RelayException.class,
                () -> ProviderHttp.readJson("x", failingWith(new IOException("connection reset")))).kind());
        assertEquals(ErrorKind.PROVIDER_ERROR, assertThrows(RelayException.class,
                () -> ProviderHttp.readJson("x", new ByteArrayInputStream("{\"a\":".getBytes(StandardCharsets.UTF_8)))).kind());
    }

    @Test
    void json_isRead() {
        assertEquals(1, ProviderHttp.readJson("x", new ByteArrayInputStream("{\"a\":1}".getBytes(StandardCharsets.UTF_8))).path("a").asInt());
    }
}
