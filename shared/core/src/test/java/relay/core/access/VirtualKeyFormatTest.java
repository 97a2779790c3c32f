package relay.core.access;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class VirtualKeyFormatTest {
    @Test
    void hash_isTheHexSha256OfTheKeysUtf8() {
        // FIPS 180-2's example: SHA-256("abc")
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", VirtualKeyFormat.hash("abc"));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", VirtualKeyFormat.hash(""));
    }

    @Test
    void hash_fromManyThreadsAtOnce_isEachKeysOwn() throws Exception {
        List<String> keys = IntStream.range(0, 2_000).mapToObj(i -> VirtualKeyFormat.generate()).toList();
        List<String> alone = keys.stream().map(VirtualKeyFormat::hash).toList();
        try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
            List<Future<String>> together = keys.stream().map(k -> threads.submit(() -> VirtualKeyFormat.hash(k))).toList();
            for (int i = 0; i < keys.size(); i++) {
                assertEquals(alone.get(i), together.get(i).get());
            }
        }
    }
}
