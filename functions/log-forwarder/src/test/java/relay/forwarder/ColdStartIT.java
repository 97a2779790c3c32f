package relay.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The deployable jar as `package` built it, started as Lambda starts it (the handler from the
 * function's environment, one invocation): it prints nothing but its own log lines, no SLF4J notice.
 */
class ColdStartIT {
    static final Path JAR = Path.of("target", "relay-log-forwarder.jar");

    @Test
    void theJarStartsAndRuns_withoutAnSlf4jNotice() throws IOException, InterruptedException {
        assertTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " is built by the package phase");
        Path output = Files.createTempFile("relay-forwarder-cold-start", ".log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // the jar, and this one class of the tests: the handler and everything it uses come from the jar
        String classPath = JAR + File.pathSeparator + Path.of("target", "test-classes");
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", classPath, ColdStart.class.getName())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().clear();
        builder.environment().putAll(Map.of(
                "AWS_REGION", "us-east-1",
                "RELAY_SECRET_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:relay-AbCdEf",
                "RELAY_SINK_FAILURE_QUEUE_URL", "https://sqs.us-east-1.amazonaws.com/123456789012/relay-SinkFailureQueue",
                "RELAY_CONFIG_PATH", Path.of("../../config.yaml").toAbsolutePath().toString()));
        Process process = builder.start();
        try {
            assertTrue(process.waitFor(2, TimeUnit.MINUTES), "the cold start ended");
        } finally {
            process.destroyForcibly();
        }

        String printed = Files.readString(output, StandardCharsets.UTF_8);
        Files.delete(output);
        assertEquals(0, process.exitValue(), printed);
        assertTrue(printed.contains("\"event\":\"log_forwarder_ready\""), printed);
        assertTrue(printed.contains("invoked"), printed);
        assertFalse(printed.contains("SLF4J"), printed);
    }
}
