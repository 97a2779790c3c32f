package relay.bench.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import relay.embeddings.OnnxEmbedder;

/**
 * One cold load of the default embedder in a fresh JVM, as the Lambda init phase would do it: ONNX
 * Runtime's native library, the tokenizer, the model; then the first embedding. Prints one JSON line
 * starting with {@link #MARKER}; {@link CacheQualityBench} starts it a few times.
 */
public final class EmbedderColdStart {
    static final String MARKER = "{\"relay_embedder_cold_start\":";

    private EmbedderColdStart() {}

    public static void main(String[] args) {
        long rssBefore = rssKb();
        long t0 = System.nanoTime();
        OnnxEmbedder embedder = OnnxEmbedder.loadDefault();
        long t1 = System.nanoTime();
        embedder.embed("How do I reset my password?");
        long t2 = System.nanoTime();
        long rssAfter = rssKb();
        System.out.println(MARKER + "1,\"model\":\"" + embedder.name() + "\",\"load_ms\":" + (t1 - t0) / 1e6
                + ",\"first_embed_ms\":" + (t2 - t1) / 1e6 + ",\"rss_added_mb\":" + (rssAfter - rssBefore) / 1024.0 + "}");
    }

    /** Resident memory of this process (Linux), or -1. */
    static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D+", ""));
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
