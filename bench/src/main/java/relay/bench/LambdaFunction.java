package relay.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import relay.testing.FakeLambdaRuntimeApi;

/**
 * The packaged Lambda function in a JVM of its own, started as the managed {@code java21} runtime starts
 * it (its JVM options; AWS's runtime client's jars first on the class path, then the function's jar),
 * under one of two runtimes, answering a Runtime API simulator of its own. Every time is the
 * simulator's {@link System#nanoTime()}, taken in the bench's JVM: when the JVM was spawned, when the
 * runtime asked for an event, when the event was handed out, when each chunk of the response arrived,
 * when the response was complete.
 */
final class LambdaFunction implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(120);

    /** Who runs the function's code in the child JVM. */
    enum Runtime {
        /** Relay's own loop, as the {@code relay-runtime} wrapper starts it: streams, writes the log after the answer. */
        RELAY_LOOP("Relay's runtime loop", List.of("relay.proxy.runtime.RelayRuntime")),
        /** AWS's runtime interface client calling ProxyHandler (today's handler): buffered, the log written before the answer. */
        AWS_CLIENT("AWS's client + ProxyHandler", List.of("com.amazonaws.services.lambda.runtime.api.client.AWSLambda",
                "relay.proxy.ProxyHandler::handleRequest"));

        /** The two runtimes every bench compares. */
        static final List<Runtime> COMPARED = List.of(RELAY_LOOP, AWS_CLIENT);

        final String label;
        final List<String> mainAndArgs;

        Runtime(String label, List<String> mainAndArgs) {
            this.label = label;
            this.mainAndArgs = mainAndArgs;
        }

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * The JVM options of the managed java21 runtime's command line (as recorded on Lambda, see
     * functions/proxy/src/test/resources/managed-java-runtime-command-line.txt; the template's
     * JAVA_TOOL_OPTIONS say the same), less what exists only on Lambda: its log4j agent, its CDS archive
     * and its JNI library path.
     */
    static final List<String> LAMBDA_JVM_OPTIONS = List.of("-XX:MaxHeapSize=445645k", "-XX:+UseSerialGC",
            "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "--add-opens=java.base/java.io=ALL-UNNAMED",
            "-Dorg.crac.Core.Compat=com.amazonaws.services.lambda.crac", "-XX:+ErrorFileToStderr");

    /** One invocation as the simulator saw it; times are System.nanoTime() in the bench's JVM. */
    record Invocation(String requestId, long answered, long responseStart, long firstBodyChunk, long end, long nextAsked,
                      FakeLambdaRuntimeApi.Response response) {
        /** From the event handed out to the runtime starting its response: the function's work before a byte goes back. */
        long untilResponseNanos() {
            return responseStart - answered;
        }

        /** From the event handed out to the response complete: what a client waits for. */
        long clientVisibleNanos() {
            return end - answered;
        }

        /** From the event handed out to the first chunk holding the awaited text (the whole response when not streamed). */
        long firstChunkNanos() {
            return firstBodyChunk - answered;
        }

        /** From the event handed out to the runtime asking for the next one: how long the environment was busy. */
        long busyNanos() {
            return nextAsked - answered;
        }
    }

    private final Runtime runtime;
    private final FakeLambdaRuntimeApi api;
    private final Clock clock;
    private final Process process;
    private final Path log;
    private final long spawnNanos;

    private LambdaFunction(Runtime runtime, FakeLambdaRuntimeApi api, Clock clock, Process process, Path log, long spawnNanos) {
        this.runtime = runtime;
        this.api = api;
        this.clock = clock;
        this.process = process;
        this.log = log;
        this.spawnNanos = spawnNanos;
    }

    /**
     * Starts the function and returns at once (see {@link #awaitFirstNext}). {@code firstEvent}, when not
     * null, is queued before the JVM starts, as the event that causes a cold start waits for the runtime's
     * first {@code next}. The JVM's output goes to {@code <workDir>/<name>.log}.
     */
    static LambdaFunction start(Runtime runtime, Path proxyJar, List<Path> runtimeClientJars, List<String> jvmOptions,
                                Map<String, String> env, Path workDir, String name, String firstRequestId, byte[] firstEvent)
            throws IOException {
        FakeLambdaRuntimeApi api = FakeLambdaRuntimeApi.start();
        try {
            List<String> command = new ArrayList<>();
            command.add(javaBinary());
            command.addAll(jvmOptions);
            List<String> classpath = new ArrayList<>();
            for (Path jar : runtimeClientJars) classpath.add(jar.toString());
            classpath.add(proxyJar.toString());
            command.add("-classpath");
            command.add(String.join(File.pathSeparator, classpath));
            command.addAll(runtime.mainAndArgs);
            Path log = workDir.resolve(name + ".log");
            ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            // Only what the Lambda environment sets: nothing inherited that would change the JVM or the wiring.
            builder.environment().keySet().removeIf(n -> n.startsWith("AWS_") || n.startsWith("RELAY_") || n.startsWith("LAMBDA_")
                    || n.equals("_HANDLER") || n.equals("JAVA_TOOL_OPTIONS") || n.equals("JDK_JAVA_OPTIONS")
                    || n.equals("_JAVA_OPTIONS") || n.equals("CLASSPATH"));
            builder.environment().putAll(env);
            builder.environment().put("AWS_LAMBDA_RUNTIME_API", api.address());
            builder.environment().put("LAMBDA_TASK_ROOT", workDir.toString());
            builder.environment().put("AWS_LAMBDA_FUNCTION_NAME", "relay-proxy");
            builder.environment().put("AWS_LAMBDA_FUNCTION_VERSION", "1");
            builder.environment().put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "1024");
            builder.environment().put("_HANDLER", "relay.proxy.ProxyHandler::handleRequest");
            Clock clock = new Clock();
            api.observe(clock); // before the JVM starts: its first next must not be missed
            if (firstEvent != null) api.enqueue(firstRequestId, firstEvent);
            long spawn = System.nanoTime();
            Process process = builder.start();
            return new LambdaFunction(runtime, api, clock, process, log, spawn);
        } catch (IOException | RuntimeException e) {
            api.close();
            throw e;
        }
    }

    Runtime runtime() {
        return runtime;
    }

    long pid() {
        return process.pid();
    }

    long spawnNanos() {
        return spawnNanos;
    }

    /** Waits for the runtime's first {@code next} (the end of init) and returns when it came. */
    long awaitFirstNext() {
        awaitClock(() -> clock.nexts.size() >= 1, "its first GET /runtime/invocation/next");
        return clock.nexts.get(0);
    }

    /** Waits for SnapStart's {@code restore/next} (the end of init and priming) and returns when it came. */
    long awaitRestoreNext() {
        awaitClock(() -> clock.restoreNext != 0, "GET /runtime/restore/next");
        return clock.restoreNext;
    }

    /**
     * Queues one event, waits for its whole response and for the runtime to ask for the next event
     * (so that whatever the runtime does after answering is over before the bench goes on), and returns
     * the times. {@code firstChunkText}: the text whose first chunk is timed (null: the end).
     */
    Invocation invoke(String requestId, byte[] event, String firstChunkText) {
        int before = clock.nexts.size();
        api.enqueue(requestId, event);
        return awaitInvocation(requestId, before, firstChunkText);
    }

    /** The invocation already queued (the cold start's first event): waits for it as {@link #invoke} does. */
    Invocation awaitQueued(String requestId, String firstChunkText) {
        return awaitInvocation(requestId, 1, firstChunkText);
    }

    private Invocation awaitInvocation(String requestId, int nextsBefore, String firstChunkText) {
        Marks marks = clock.marks(requestId);
        awaitClock(() -> marks.end != 0, "the response to " + requestId);
        awaitClock(() -> clock.nexts.size() > nextsBefore, "the next GET /runtime/invocation/next after " + requestId);
        long nextAsked = clock.nexts.get(nextsBefore);
        FakeLambdaRuntimeApi.Response response = api.awaitResponse(requestId, WAIT);
        long first = marks.end;
        if (firstChunkText != null && response.chunked()) {
            for (int i = 0; i < response.chunks().size(); i++) {
                if (new String(response.chunks().get(i), StandardCharsets.UTF_8).contains(firstChunkText)) {
                    first = marks.chunks.get(i);
                    break;
                }
            }
        }
        return new Invocation(requestId, marks.answered, marks.responseStart, first, marks.end, nextAsked, response);
    }

    private void awaitClock(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        synchronized (clock) {
            while (!condition.getAsBoolean()) {
                if (clock.failure != null) {
                    throw new RelayBench.BenchException(runtime.label + " reported " + clock.failure + " while the bench awaited "
                            + what + ". Its output:\n" + tail());
                }
                if (!process.isAlive()) {
                    throw new RelayBench.BenchException(runtime.label + " exited (" + process.exitValue() + ") before "
                            + what + ". Its output:\n" + tail());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new RelayBench.BenchException(runtime.label + " did not send " + what + " within "
                            + WAIT.toSeconds() + " s. Its output:\n" + tail());
                }
                try {
                    clock.wait(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 50));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RelayBench.BenchException("interrupted");
                }
            }
        }
    }

    /** The last lines of the JVM's output, for an error message. */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    /** Ends the function: the Runtime API goes away (Relay's loop then exits by itself, flushing a JFR recording), then the JVM is stopped. */
    @Override
    public void close() {
        api.close();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** What the simulator saw of one invocation. */
    private static final class Marks {
        volatile long answered;
        volatile long responseStart;
        volatile long end;
        final List<Long> chunks = java.util.Collections.synchronizedList(new ArrayList<>());
    }

    /** The simulator's observer: notes the time of each event the bench needs. */
    private static final class Clock implements FakeLambdaRuntimeApi.Observer {
        final List<Long> nexts = java.util.Collections.synchronizedList(new ArrayList<>());
        final Map<String, Marks> marks = new ConcurrentHashMap<>();
        volatile long restoreNext;
        volatile String failure;

        Marks marks(String requestId) {
            return marks.computeIfAbsent(requestId, id -> new Marks());
        }

        @Override
        public void observe(String event, long now) {
            int space = event.indexOf(' ');
            String kind = space < 0 ? event : event.substring(0, space);
            String rest = space < 0 ? "" : event.substring(space + 1);
            switch (kind) {
                case "next" -> nexts.add(now);
                case "restore-next" -> restoreNext = now;
                case "next-answered" -> marks(rest).answered = now;
                case "response-start" -> marks(rest).responseStart = now;
                case "chunk" -> marks(rest.substring(0, rest.lastIndexOf(' '))).chunks.add(now);
                case "response-end" -> marks(rest).end = now;
                case "invocation-error", "init-error", "restore-error", "connection-failed", "response-cut" -> failure = event;
                default -> { }
            }
            if (!kind.equals("chunk")) {
                synchronized (this) {
                    notifyAll();
                }
            }
        }
    }
}
