package relay.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The buffer behind transports that answer whole: pieces are joined; an answer sent whole is kept as it came, not copied. */
class BufferedSinkTest {

    @Test
    void piecesAreJoinedIntoOneAnswer() {
        BufferedSink sink = new BufferedSink();
        sink.head(200, Map.of("content-type", "text/event-stream"));
        sink.body("data: é\n\n");
        sink.body("data: [DONE]\n\n");
        sink.end();
        ApiResponse response = sink.response();
        assertEquals(200, response.status());
        assertEquals("data: é\n\ndata: [DONE]\n\n", response.body());
    }

    @Test
    void aWholeAnswerIsKeptAsItCame_notASecondCopyOfItsBody() {
        BufferedSink sink = new BufferedSink();
        ApiResponse whole = new ApiResponse(200, Map.of("content-type", "application/json"), "{\"id\":\"chatcmpl-1\"}");
        sink.send(whole);
        assertSame(whole, sink.response());
    }

    @Test
    void aWholeAnswerAfterABegunOneIsRefused() {
        BufferedSink sink = new BufferedSink();
        sink.head(200, Map.of());
        assertThrows(IllegalStateException.class, () -> sink.send(new ApiResponse(200, Map.of(), "{}")));
    }
}
