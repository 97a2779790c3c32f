package relay.core.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/refresh-catalog.py, run on a sample of real LiteLLM entries (test resources), writes
 * exactly the lines the committed models.json has for them, and drops what Relay does not serve.
 * Skipped where python3 is not installed.
 */
class RefreshCatalogScriptTest {
    static final Set<String> KEPT = Set.of("anthropic.claude-sonnet-4-5-20250929-v1:0", "azure/eu/gpt-4o-2024-08-06",
            "azure/gpt-35-turbo-instruct", "bedrock/us-east-1/1-month-commitment/anthropic.claude-v1",
            "bedrock/us-gov-west-1/anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5", "cohere/embed-v4.0",
            "command", "command-r", "fireworks_ai/nomic-ai/nomic-embed-text-v1.5", "gemini-2.5-pro", "gemini/gemini-2.5-pro",
            "gpt-3.5-turbo-instruct", "gpt-4", "gpt-4o", "groq/llama-3.1-8b-instant", "mistral/mistral-large-latest",
            "openrouter/anthropic/claude-3-haiku", "replicate/meta/llama-2-70b-chat", "replicateopenai/gpt-oss-20b",
            "text-embedding-3-small", "vertex_ai/claude-3-5-haiku@20241022", "xai/grok-4-fast-reasoning");

    @Test
    void script_onASampleOfThePriceList_reproducesTheCommittedLines(@TempDir Path tmp) throws Exception {
        Assumptions.assumeTrue(python3Exists(), "python3 is not installed");
        Path repo = repositoryRoot();
        Path sample = Path.of(RefreshCatalogScriptTest.class.getResource("/catalog/litellm-sample.json").toURI());
        Path out = tmp.resolve("models.json");

        Process p = new ProcessBuilder("python3", repo.resolve("scripts/refresh-catalog.py").toString(),
                sample.toString(), "--output", out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "script timed out");
        assertEquals(0, p.exitValue(), log);

        List<String> written = lines(Files.readString(out));
        Set<String> committed;
        try (InputStream in = ModelCatalog.class.getResourceAsStream(ModelCatalog.MODELS)) {
            committed = new HashSet<>(lines(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
        }
        for (String line : written) {
            assertTrue(committed.contains(line), "the committed models.json lacks or differs in: " + line);
        }
        Set<String> keys = new TreeSet<>();
        for (String line : written) {
            if (line.startsWith("\"")) keys.add(line.substring(1, line.indexOf("\":{")));
        }
        assertEquals(new TreeSet<>(KEPT), keys); // image, audio, azure_ai, palm, codestral, container and size-band entries dropped
        try (InputStream models = Files.newInputStream(out);
                InputStream noLegacy = new ByteArrayInputStream("{}".getBytes(StandardCharsets.UTF_8))) {
            assertEquals(KEPT.size(), ModelCatalog.read(models, noLegacy).size()); // and the Java side reads it
        }
    }

    /** The lines of a catalog file, without the commas that separate entries. */
    static List<String> lines(String text) {
        return text.lines().map(l -> l.endsWith(",") ? l.substring(0, l.length() - 1) : l).toList();
    }

    static boolean python3Exists() {
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (Exception e) {
            return false;
        }
    }

    static Path repositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("scripts/refresh-catalog.py"))) return dir;
        }
        throw new AssertionError("scripts/refresh-catalog.py not found above " + Path.of("").toAbsolutePath());
    }
}
