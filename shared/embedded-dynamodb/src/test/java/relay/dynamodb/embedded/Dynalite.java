package relay.dynamodb.embedded;

import static org.junit.jupiter.api.Assumptions.abort;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * dynalite, an independent open-source DynamoDB implementation on Node.js (github.com/architect/dynalite), in a
 * child process: the store tests run against it too, so the embedded server cannot drift from what others
 * implement. npm installs the pinned {@link #VERSION} once into {@code ~/.cache/relay/dynalite-VERSION}
 * ({@code $XDG_CACHE_HOME} if set). Without Node.js and npm the dynalite tests are skipped with a message, except
 * on CI (the {@code CI} environment variable set), where that is a failure.
 *
 * <p>dynalite's own gaps, where DynamoDB (and the embedded server) differ: no transactions, no UpdateTimeToLive and
 * so no TTL, no streams; ItemCount is always 0; ReturnValuesOnConditionCheckFailure is ignored; a
 * ProjectionExpression on a local index does not fetch unprojected attributes from the table; "+3" is refused as a
 * number; it accepts what DynamoDB refuses: DeleteItem with ReturnValues ALL_NEW, Select SPECIFIC_ATTRIBUTES without
 * a projection, ALL_PROJECTED_ATTRIBUTES on a table, COUNT or ALL_ATTRIBUTES with a ProjectionExpression,
 * TotalSegments over 1,000,000, {@code {"BOOL": "true"}}, an empty string as an index key, a WriteRequest holding
 * both a put and a delete, sums past 38 digits; and it words syntax errors its own way. The tests that meet these
 * are disabled in the {@code Dynalite*Test} classes with the reason.
 */
final class Dynalite implements TestServer {
    static final String VERSION = "4.0.0";
    private static final String SCRIPT = "dynalite-server.js";
    private static final long INSTALL_TIMEOUT_SECONDS = 600;
    private static final long START_TIMEOUT_SECONDS = 60;

    private final Process process;
    private final URI endpoint;

    private Dynalite(Process process, int port) {
        this.process = process;
        this.endpoint = URI.create("http://127.0.0.1:" + port);
    }

    /** Starts a fresh in-memory dynalite, installing it first if needed; skips the caller's tests without node. */
    static Dynalite start() {
        Path home = install();
        Process process;
        try {
            process = new ProcessBuilder(executable("node"), SCRIPT).directory(home.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start dynalite with node", e);
        }
        CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> {
            try {
                return new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))
                        .readLine();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            String line = firstLine.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (line == null || !line.startsWith("PORT ")) {
                throw new IllegalStateException("dynalite did not start: " + line);
            }
            return new Dynalite(process, Integer.parseInt(line.substring(5).trim()));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            process.destroyForcibly();
            throw new IllegalStateException("dynalite did not start within " + START_TIMEOUT_SECONDS + " s", e);
        }
    }

    @Override
    public URI endpoint() {
        return endpoint;
    }

    /** Closing its standard input ends the script; a process that does not go is killed. */
    @Override
    public void close() {
        try {
            process.getOutputStream().close();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "dynalite " + VERSION + " at " + endpoint;
    }

    /** The folder holding the pinned dynalite and the start script; installs it there once. */
    private static synchronized Path install() {
        requireTool("node");
        String cache = System.getenv("XDG_CACHE_HOME");
        Path home = (cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"),
                ".cache")).resolve("relay").resolve("dynalite-" + VERSION);
        try {
            Files.createDirectories(home);
            try (FileChannel lockFile = FileChannel.open(home.resolve(".install.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock lock = lockFile.lock()) {
                if (!installed(home)) {
                    requireTool("npm");
                    // A package.json of its own keeps npm from installing into a project further up.
                    Files.writeString(home.resolve("package.json"), "{\"name\": \"relay-dynalite\", \"private\": true, "
                            + "\"dependencies\": {\"dynalite\": \"" + VERSION + "\"}}\n");
                    run(home, List.of(executable("npm"), "install", "--no-audit", "--no-fund", "--ignore-scripts",
                            "--loglevel=error"));
                    if (!installed(home)) {
                        unavailable("npm install dynalite@" + VERSION + " in " + home + " did not install it");
                    }
                }
                try (InputStream script = Dynalite.class.getResourceAsStream(SCRIPT)) {
                    Files.write(home.resolve(SCRIPT), script.readAllBytes());
                }
            }
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare dynalite in " + home, e);
        }
    }

    private static boolean installed(Path home) throws IOException {
        Path manifest = home.resolve("node_modules").resolve("dynalite").resolve("package.json");
        return Files.isRegularFile(manifest)
                && VERSION.equals(Json.MAPPER.readTree(manifest.toFile()).path("version").asText());
    }

    private static void run(Path directory, List<String> command) {
        try {
            Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true)
                    .start();
            process.getOutputStream().close();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return e.toString();
                }
            });
            if (!process.waitFor(INSTALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                unavailable(String.join(" ", command) + " did not finish within " + INSTALL_TIMEOUT_SECONDS + " s");
            }
            if (process.exitValue() != 0) {
                unavailable(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n"
                        + output.getNow(""));
            }
        } catch (IOException e) {
            unavailable("cannot run " + String.join(" ", command) + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void requireTool(String tool) {
        try {
            Process process = new ProcessBuilder(executable(tool), "--version").redirectErrorStream(true).start();
            process.getOutputStream().close();
            process.getInputStream().readAllBytes();
            if (process.waitFor() == 0) {
                return;
            }
        } catch (IOException e) {
            // not on the PATH
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        unavailable(tool + " was not found on the PATH; install Node.js 20 or newer to run these tests");
    }

    private static String executable(String tool) {
        boolean windows = System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("windows");
        return windows && tool.equals("npm") ? "npm.cmd" : tool;
    }

    /** Skips the tests that need dynalite, except on CI, where they must run. */
    private static void unavailable(String why) {
        String message = "dynalite " + VERSION + " is unavailable: " + why;
        String ci = System.getenv("CI");
        if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
            throw new IllegalStateException(message + " (CI is set, so this fails instead of skipping)");
        }
        System.err.println("SKIPPED: " + message);
        abort(message);
    }
}
