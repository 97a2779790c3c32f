package relay.bench.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import relay.bench.RelayBench.BenchException;

/**
 * A server the bench starts as its own process (Relay's local server, Portkey's gateway): ready when a
 * line of its output says so, its output read all along (its last lines kept for a failure's message),
 * stopped with SIGTERM as a user's Ctrl-C would, then killed if it lingers.
 */
final class Child implements AutoCloseable {
    private static final int TAIL_LINES = 60;
    static final Duration STOP_GRACE = Duration.ofSeconds(20);

    private final String name;
    private final Process process;
    private final Deque<String> tail = new ArrayDeque<>();
    private final CompletableFuture<String> ready = new CompletableFuture<>();
    /** When the process was spawned, and when its ready line came: System.nanoTime(). */
    final long spawnedNanos;
    private volatile long readyNanos;

    private Child(String name, Process process, long spawnedNanos, Function<String, String> readiness) {
        this.name = name;
        this.process = process;
        this.spawnedNanos = spawnedNanos;
        Thread.ofPlatform().daemon().name("child-output-" + name).start(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > TAIL_LINES) tail.removeFirst();
                    }
                    if (!ready.isDone()) {
                        String value = readiness.apply(line);
                        if (value != null) {
                            readyNanos = System.nanoTime();
                            ready.complete(value);
                        }
                    }
                }
            } catch (IOException e) {
                // the process is gone
            }
            ready.completeExceptionally(new BenchException(name + " ended before it was ready (exit "
                    + (process.isAlive() ? "?" : process.exitValue()) + "); its last output:\n" + tail()));
        });
    }

    /**
     * Starts {@code command} in {@code directory} with the environment changes given (a null value removes
     * the variable) and waits until {@code readiness} maps one of its output lines to non-null.
     * @return the child, and that value (e.g. the URL it listens on) through {@link #readyValue()}
     */
    static Child start(String name, List<String> command, Path directory, Map<String, String> environment,
                       Function<String, String> readiness, Duration timeout) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
        // nothing of the bench's own JVM settings
        builder.environment().keySet().removeIf(k -> k.equals("JAVA_TOOL_OPTIONS") || k.equals("JDK_JAVA_OPTIONS")
                || k.equals("_JAVA_OPTIONS") || k.equals("CLASSPATH") || k.startsWith("RELAY_") || k.startsWith("AWS_"));
        environment.forEach((k, v) -> {
            if (v == null) builder.environment().remove(k); else builder.environment().put(k, v);
        });
        long spawned = System.nanoTime();
        Child child = new Child(name, builder.start(), spawned, readiness);
        try {
            child.ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            child.close();
            throw new BenchException(name + " was not ready within " + timeout.toSeconds() + " s; its last output:\n" + child.tail());
        } catch (ExecutionException e) {
            child.close();
            throw e.getCause() instanceof BenchException b ? b : new BenchException(name + ": " + e.getCause());
        } catch (InterruptedException e) {
            child.close();
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted");
        }
        return child;
    }

    /** What readiness found in the ready line. */
    String readyValue() {
        return ready.join();
    }

    /** Milliseconds from the spawn to the ready line. */
    double readyMillis() {
        return (readyNanos - spawnedNanos) / 1e6;
    }

    /** The exit status; -1 while the process runs. */
    int exitValue() {
        return process.isAlive() ? -1 : process.exitValue();
    }

    long pid() {
        return process.pid();
    }

    String tail() {
        synchronized (tail) {
            return String.join("\n", tail);
        }
    }

    @Override
    public void close() {
        stop(STOP_GRACE);
    }

    /** SIGTERM, and the exit waited for (a JVM writes its AOT cache then); killed if it lingers past {@code grace}. */
    void stop(Duration grace) {
        if (!process.isAlive()) return;
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
