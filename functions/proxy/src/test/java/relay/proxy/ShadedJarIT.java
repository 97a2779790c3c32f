package relay.proxy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * The deployable jar as `package` built it: the embedder's model and ONNX Runtime's Linux libraries
 * for both Lambda architectures are in; other platforms' libraries and unused classes are out, so the
 * jar stays well under Lambda's 250 MB unzipped.
 */
class ShadedJarIT {
    static final Path JAR = Path.of("target", "relay-proxy.jar");

    @Test
    void holdsTheEmbedderForLinuxOnly() throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " is built by the package phase");
        try (ZipFile jar = new ZipFile(JAR.toFile())) {
            List<String> names = jar.stream().map(ZipEntry::getName).toList();
            assertTrue(names.contains("ai/onnxruntime/native/linux-x64/libonnxruntime.so"), "x86_64 library");
            assertTrue(names.contains("ai/onnxruntime/native/linux-aarch64/libonnxruntime.so"), "arm64 library");
            assertTrue(names.contains("bge-small-en-v1.5-q.onnx"), "the default model");
            assertTrue(names.contains("relay/embeddings/bge-small-en-v1.5-q.center.txt"), "the model's center");
            assertFalse(names.stream().anyMatch(n -> n.startsWith("ai/onnxruntime/native/osx-") || n.startsWith("ai/onnxruntime/native/win-")),
                    "no macOS or Windows libraries");
            assertFalse(names.stream().anyMatch(n -> n.startsWith("dev/langchain4j/")), "no LangChain4j classes");
            assertTrue(names.contains("relay-runtime"), "the runtime wrapper, at the root that becomes $LAMBDA_TASK_ROOT");
            assertTrue(names.contains("relay/proxy/runtime/RelayRuntime.class"), "the runtime loop the wrapper starts");
            long unzipped = jar.stream().mapToLong(ZipEntry::getSize).sum();
            assertTrue(unzipped < 150L * 1024 * 1024, "unzipped " + unzipped + " bytes");
        }
    }
}
