package relay.proxy.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code relay-runtime} wrapper script, run with bash as Lambda runs it: with the managed Java
 * runtime's command line (as recorded from the runtime: RIC 2.6.0, the same shape since Java 11) as
 * its arguments, and a stub {@code java} that records what it was started with.
 */
class RuntimeWrapperScriptTest {
    static final Path SCRIPT = Path.of("src/main/resources/relay-runtime");
    static final Path RECORDED = Path.of("src/test/resources/managed-java-runtime-command-line.txt");

    record Run(List<String> javaArgs, String stderr) {}

    static Run run(Path dir, List<String> commandLine) throws IOException, InterruptedException {
        Path java = dir.resolve("java");
        Path args = dir.resolve("args.txt");
        Files.writeString(java, "#!/bin/bash\nprintf '%s\\n' \"$@\" > \"" + args + "\"\n");
        assertTrue(java.toFile().setExecutable(true));
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString(), java.toString()));
        command.addAll(commandLine.subList(1, commandLine.size())); // Lambda passes the runtime's java path first
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(dir.resolve("stderr.txt").toFile());
        builder.environment().put("LAMBDA_TASK_ROOT", "/var/task");
        Process process = builder.start();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the script ended");
        assertEquals(0, process.exitValue(), Files.readString(dir.resolve("stderr.txt")));
        return new Run(Files.readAllLines(args), Files.readString(dir.resolve("stderr.txt")));
    }

    @Test
    void theManagedRuntimesCommandLine_runsRelaysLoop_withTheSameJvmOptions_andTheFunctionOnTheClassPath(@TempDir Path dir) throws Exception {
        List<String> recorded = Files.readAllLines(RECORDED);

        Run run = run(dir, recorded);

        List<String> expected = new ArrayList<>(recorded.subList(1, recorded.indexOf("-classpath") + 1));
        expected.add(recorded.get(recorded.indexOf("-classpath") + 1) + ":/var/task:/var/task/lib/*");
        expected.add("relay.proxy.runtime.RelayRuntime");
        assertEquals(expected, run.javaArgs(), "options kept in order, the runtime's jars first, the handler argument dropped");
        assertEquals("", run.stderr());
    }

    @Test
    void aCommandLineWithoutAClassPath_getsTheFunctionsOwn(@TempDir Path dir) throws Exception {
        Run run = run(dir, List.of("/var/lang/bin/java", "-XX:+UseSerialGC",
                "com.amazonaws.services.lambda.runtime.api.client.AWSLambda", "relay.proxy.ProxyHandler::handleRequest"));

        assertEquals(List.of("-XX:+UseSerialGC", "-classpath", "/var/task:/var/task/lib/*", "relay.proxy.runtime.RelayRuntime"),
                run.javaArgs());
    }

    @Test
    void anUnexpectedCommandLine_runsItsOwnMainClass_andSaysSo(@TempDir Path dir) throws Exception {
        Run run = run(dir, List.of("/var/lang/bin/java", "-cp", "/var/runtime/lib/x.jar", "some.other.Main", "handler"));

        assertEquals(List.of("-cp", "/var/runtime/lib/x.jar:/var/task:/var/task/lib/*", "some.other.Main", "handler"), run.javaArgs());
        assertTrue(run.stderr().contains("answers are not streamed"), run.stderr());
    }

    @Test
    void theClassTheScriptStarts_hasAMain() throws Exception {
        String script = Files.readString(SCRIPT);
        assertTrue(script.startsWith("#!/bin/bash\n"));
        assertTrue(script.contains("RELAY_LOOP=" + RelayRuntime.class.getName() + "\n"));
        Method main = RelayRuntime.class.getMethod("main", String[].class);
        assertTrue(Modifier.isStatic(main.getModifiers()));
    }
}
