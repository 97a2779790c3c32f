package relay.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code relay-local} itself, in a child JVM, given configs it cannot start with: it exits with status 2 and one
 * message naming the file, the line and the setting, prints no stack trace, and starts nothing first.
 */
class ConfigErrorExitTest {
    /** Generous: a loaded machine may be slow to start a JVM; the assertion is that it exits, not how fast. */
    static final long WAIT_SECONDS = 120;

    record Ran(int status, String stdout, String stderr) {}

    static Ran run(Path dir, String yaml, String... moreArgs) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, yaml);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new java.util.ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                LocalServer.class.getName(), "--config", config.toString(), "--port", "0", "--host", "127.0.0.1"));
        command.addAll(List.of(moreArgs));
        // to files, read once the process is gone: nothing of its output can be lost in a pipe
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("relay-local did not exit on a bad config");
            }
            return new Ran(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            process.destroyForcibly();
        }
    }

    static Stream<Arguments> badConfigs() {
        return Stream.of(
                Arguments.of("an unknown provider", """
                        model_list:
                          - model_name: a
                            litellm_params:
                              model: foo/bar
                        """, ":4: model_list[0].litellm_params.model: 'foo/bar' names the provider 'foo', which Relay does not know"),
                Arguments.of("a routing strategy Relay lacks", """
                        model_list:
                          - model_name: a
                            litellm_params: {model: mock/a}
                        router_settings:
                          routing_strategy: usage-based-routing-v2
                        """, ":5: router_settings.routing_strategy: 'usage-based-routing-v2' is not supported"),
                Arguments.of("allowed_fails 0", """
                        router_settings:
                          allowed_fails: 0
                        """, ":2: router_settings.allowed_fails: must be at least 1"),
                Arguments.of("a word for a number", """
                        model_list:
                          - model_name: a
                            litellm_params:
                              model: mock/a
                              rpm: lots
                        """, ":5: model_list[0].litellm_params.rpm: 'lots' is not a whole number"),
                Arguments.of("broken YAML", """
                        model_list:
                          - model_name: a
                            litellm_params: {model: mock/a
                        """, ": not valid YAML: "),
                Arguments.of("a guardrail pattern Relay lacks", """
                        guardrails:
                          - guardrail_name: g
                            litellm_params:
                              guardrail: litellm_content_filter
                              mode: pre_call
                              patterns: [{pattern_type: prebuilt, pattern_name: passport, action: MASK}]
                        """, ":6: guardrails[0].litellm_params.patterns[0].pattern_name: 'passport' is not a prebuilt pattern"),
                Arguments.of("strict_config with an ignored setting", """
                        litellm_settings:
                          callbacks: [prometheus]
                        general_settings:
                          strict_config: true
                        """, ":4: general_settings.strict_config: is on, and Relay would ignore 1 setting:"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badConfigs")
    void aBadConfig_exits2_withFileLineAndSetting_andNoStackTrace(String name, String yaml, String expected, @TempDir Path dir)
            throws Exception {
        Ran ran = run(dir, yaml);

        assertEquals(2, ran.status(), ran.stderr());
        String message = ran.stderr().lines().filter(l -> l.startsWith("relay-local: ")).findFirst().orElse("");
        assertTrue(message.startsWith("relay-local: " + dir.resolve("config.yaml")), ran.stderr());
        assertTrue(message.contains(expected), "expected '" + expected + "' in: " + ran.stderr());
        assertFalse(ran.stderr().contains("Exception"), ran.stderr());
        assertFalse(ran.stderr().contains("\tat "), "no stack trace: " + ran.stderr());
        assertFalse(ran.stdout().contains("listening"), "nothing started: " + ran.stdout());
    }

    @Test
    void ignoredSettings_areOneWarningEach_andTheServerStarts(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                model_list:
                  - model_name: a
                    litellm_params: {model: mock/a}
                litellm_settings:
                  success_callback: [langfuse]
                  callbacks: [prometheus, otel]
                general_settings:
                  alerting: [slack]
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path errors = dir.resolve("stderr.txt");
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LocalServer.class.getName(),
                "--config", config.toString(), "--port", "0", "--host", "127.0.0.1").directory(dir.toFile())
                .redirectError(errors.toFile()).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            boolean listening = false;
            while (!listening && (line = out.readLine()) != null) listening = line.contains("Relay is listening");
            assertTrue(listening, "the server started");
        } finally {
            process.destroy(); // its shutdown hook closes the server; stderr then ends
            process.waitFor(WAIT_SECONDS, TimeUnit.SECONDS);
            process.destroyForcibly();
        }
        String stderr = Files.readString(errors);
        List<String> warnings = stderr.lines().filter(l -> l.startsWith("relay-local: warning: ")).toList();
        assertEquals(List.of(
                "relay-local: warning: " + config + ":5: litellm_settings.success_callback[0]: 'langfuse' is not supported; ignored",
                "relay-local: warning: " + config + ":6: litellm_settings.callbacks[0]: 'prometheus' is not supported; ignored",
                "relay-local: warning: " + config + ":6: litellm_settings.callbacks[1]: 'otel' is not supported; ignored",
                "relay-local: warning: " + config + ":8: general_settings.alerting: not supported; ignored"), warnings, stderr);
    }
}
