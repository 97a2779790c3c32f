package relay.core.provider;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.RequestParser;

class ChatParamsTest {
    static final Set<String> SUPPORTED = Set.of("temperature", "max_tokens", "stop");

    static ChatCompletionRequest request(String extra) {
        return RequestParser.chat(RequestParser.parseObject(("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"
                + extra + "}").getBytes()));
    }

    @Test
    void unsupportedParameter_is400NamingIt() {
        RelayException e = assertThrows(RelayException.class,
                () -> ChatParams.fit(request(",\"temperature\":0.1,\"seed\":7"), "anthropic", SUPPORTED, false));

        assertEquals(ErrorKind.UNSUPPORTED_PARAMS, e.kind());
        assertEquals(400, e.kind().status());
        assertEquals("seed", e.param());
        assertTrue(e.getMessage().contains("anthropic") && e.getMessage().contains("drop_params"), e.getMessage());
    }

    @Test
    void dropParams_fromConfigOrRequest_removesOnlyTheUnsupported() {
        ChatCompletionRequest fromConfig = ChatParams.fit(request(",\"temperature\":0.1,\"seed\":7"), "p", SUPPORTED, true);
        ChatCompletionRequest fromRequest = ChatParams.fit(request(",\"seed\":7,\"drop_params\":true"), "p", SUPPORTED, false);

        assertFalse(fromConfig.body().has("seed"));
        assertEquals(0.1, fromConfig.temperature());
        assertFalse(fromRequest.body().has("seed"));
    }

    @Test
    void parametersThatAskForNothing_pass() {
        ChatCompletionRequest same = request(",\"n\":1,\"tools\":[],\"seed\":null");

        assertSame(same, ChatParams.fit(same, "p", SUPPORTED, false));
        assertThrows(RelayException.class, () -> ChatParams.fit(request(",\"n\":2"), "p", SUPPORTED, false));
    }

    @Test
    void passThroughProviders_takeEverything() {
        ChatCompletionRequest any = request(",\"seed\":7,\"logit_bias\":{\"1\":2}");

        assertSame(any, ChatParams.fit(any, "openai", null, false));
    }
}
