package relay.local;

import static org.junit.jupiter.api.Assumptions.abort;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The official JavaScript clients (the npm packages pinned in {@code node/package-lock.json}, test resources)
 * and the scenario scripts that drive them, each an ES module run with {@code node}. npm installs the lock file
 * once into {@code ~/.cache/relay/npm-clients-HASH} ({@code $XDG_CACHE_HOME} if set; HASH names the exact
 * package set), under a file lock, so parallel builds share it. Without Node.js 20+ and npm the tests are
 * skipped with a message, except on CI (the {@code CI} environment variable set), where that is a failure.
 *
 * <p>A script reports one JSON object per line on its standard output ({@code node/harness.mjs}); the test
 * reads them as they come, so it can act on a streamed chunk while the stream is still open.
 */
final class NodeClients {
    static final int MIN_NODE_MAJOR = 20;
    private static final String RESOURCES = "/node/";
    private static final List<String> MANIFESTS = List.of("package.json", "package-lock.json");
    private static final List<String> SCRIPTS = List.of("harness.mjs", "openai.mjs", "anthropic.mjs", "langchain.mjs", "ai-sdk.mjs");
    private static final Duration INSTALL_BOUND = Duration.ofMinutes(10);
    /** Far above what a scenario takes (a second or two); only a hung script meets it. */
    private static final Duration RUN_BOUND = Duration.ofMinutes(2);
    private static final int STDERR_LIMIT = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path scripts;
    /** Why the clients cannot run here, once found out: each later test is skipped at once, not installed again. */
    private static String unavailable;

    private NodeClients() {}

    /**
     * The folder holding this build's scenario scripts, inside the folder where the pinned packages are
     * installed (installing them first if needed); skips the caller's tests without node and npm.
     */
    static synchronized Path scripts() {
        if (scripts != null) return scripts;
        if (unavailable != null) skipOrFail(unavailable);
        requireNode();
        byte[] packageJson = resource("package.json");
        byte[] lock = resource("package-lock.json");
        String packages = sha256(packageJson, lock).substring(0, 16);
        Path home = cacheRoot().resolve("npm-clients-" + packages);
        try {
            Files.createDirectories(home);
            try (FileChannel lockFile = FileChannel.open(home.resolve(".install.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock ignored = lockFile.lock()) {
                Path installed = home.resolve(".installed");
                if (!Files.isRegularFile(installed) || !Files.readString(installed).equals(packages)) {
                    requireTool("npm");
                    Files.write(home.resolve("package.json"), packageJson);
                    Files.write(home.resolve("package-lock.json"), lock);
                    // npm ci installs exactly the lock file; --ignore-scripts: none of these packages needs an install script
                    run(home, List.of(executable("npm"), "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"));
                    Files.writeString(installed, packages);
                }
                // Scripts go in a folder named by their content: node finds the packages in the folder above, and
                // builds with other versions of the scripts (other checkouts) never overwrite each other's.
                List<byte[]> contents = new ArrayList<>();
                for (String script : SCRIPTS) contents.add(resource(script));
                Path folder = home.resolve("scripts-" + sha256(contents.toArray(byte[][]::new)).substring(0, 16));
                if (!Files.isDirectory(folder)) {
                    Path partial = Files.createTempDirectory(home, ".scripts-");
                    for (int i = 0; i < SCRIPTS.size(); i++) Files.write(partial.resolve(SCRIPTS.get(i)), contents.get(i));
                    Files.move(partial, folder, StandardCopyOption.ATOMIC_MOVE);
                }
                scripts = folder;
                return folder;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare the npm clients in " + home, e);
        }
    }

    /** What a script reported, in order, and how it ended. */
    record Run(String command, int exitCode, List<JsonNode> reports, List<String> otherLines, String stderr) {
        /** The texts of the streamed chunks, in the order the client handed them over. */
        List<String> chunks() {
            return reports.stream().filter(r -> r.path("event").asText().equals("chunk")).map(r -> r.path("text").asText()).toList();
        }

        /** The scenario's one {@code result} report; fails with everything the script said when it has none. */
        JsonNode result() {
            return only("result");
        }

        /** The scenario's one {@code error} report: the error the client threw, as a caller sees it. */
        JsonNode error() {
            return only("error");
        }

        private JsonNode only(String event) {
            List<JsonNode> found = reports.stream().filter(r -> r.path("event").asText().equals(event)).toList();
            if (exitCode != 0 || found.size() != 1 || reports.stream().noneMatch(r -> r.path("event").asText().equals("done"))) {
                throw new AssertionError("expected one '" + event + "' report and a clean end from " + this);
            }
            return found.get(0);
        }

        @Override
        public String toString() {
            return command + " (exit " + exitCode + ")\nreports:\n  " + String.join("\n  ", reports.stream().map(JsonNode::toString).toList())
                    + (otherLines.isEmpty() ? "" : "\nother output:\n  " + String.join("\n  ", otherLines))
                    + (stderr.isBlank() ? "" : "\nstderr:\n" + stderr);
        }
    }

    /**
     * Runs {@code script scenario} with {@code env} (Relay's address and key, see {@code harness.mjs}) and
     * hands each report to {@code onReport} as soon as its line arrives, before reading on.
     */
    static Run run(String script, String scenario, Map<String, String> env, Consumer<JsonNode> onReport) {
        Path folder = scripts();
        List<String> command = List.of(executable("node"), script, scenario);
        ProcessBuilder builder = new ProcessBuilder(command).directory(folder.toFile());
        // The clients read settings of their own from the environment (base URLs, keys, LangSmith tracing to the
        // internet): none of the developer's may leak in.
        builder.environment().keySet().removeIf(name -> name.startsWith("OPENAI_") || name.startsWith("ANTHROPIC_")
                || name.startsWith("LANGCHAIN_") || name.startsWith("LANGSMITH_") || name.startsWith("AI_GATEWAY_")
                || name.startsWith("NODE_OPTIONS"));
        builder.environment().putAll(env);
        Process process;
        try {
            process = builder.start();
            process.getOutputStream().close();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot run " + String.join(" ", command), e);
        }
        StringBuilder stderr = new StringBuilder();
        Thread errors = Thread.ofVirtual().start(() -> drain(process.getErrorStream(), stderr));
        // A script that hangs is ended, so the read below ends too and the test fails with what it has.
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                if (!process.waitFor(RUN_BOUND.toMillis(), TimeUnit.MILLISECONDS)) process.destroyForcibly();
            } catch (InterruptedException e) {
                process.destroyForcibly();
            }
        });
        List<JsonNode> reports = new ArrayList<>();
        List<String> other = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                JsonNode report = parse(line);
                if (report == null) {
                    other.add(line);
                    continue;
                }
                reports.add(report);
                onReport.accept(report);
            }
            process.waitFor(RUN_BOUND.toMillis(), TimeUnit.MILLISECONDS);
            errors.join(Duration.ofSeconds(10));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            process.destroyForcibly();
            watchdog.interrupt();
        }
        int exit = process.isAlive() ? -1 : process.exitValue();
        synchronized (stderr) {
            return new Run("node " + script + " " + scenario, exit, List.copyOf(reports), List.copyOf(other), stderr.toString());
        }
    }

    private static JsonNode parse(String line) {
        if (!line.startsWith("{")) return null;
        try {
            return JSON.readTree(line);
        } catch (IOException e) {
            return null;
        }
    }

    private static void drain(InputStream in, StringBuilder into) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                synchronized (into) {
                    if (into.length() < STDERR_LIMIT) into.append(line).append('\n');
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    private static Path cacheRoot() {
        String cache = System.getenv("XDG_CACHE_HOME");
        return (cache != null && !cache.isBlank() ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache")).resolve("relay");
    }

    private static byte[] resource(String name) {
        try (InputStream in = NodeClients.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) throw new IllegalStateException("missing test resource " + RESOURCES + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(byte[]... parts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (byte[] part : parts) {
                digest.update(part);
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void run(Path directory, List<String> command) {
        try {
            Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
            process.getOutputStream().close();
            StringBuilder output = new StringBuilder();
            Thread reader = Thread.ofVirtual().start(() -> drain(process.getInputStream(), output));
            if (!process.waitFor(INSTALL_BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                unavailable(String.join(" ", command) + " did not finish within " + INSTALL_BOUND.toMinutes() + " minutes");
            }
            reader.join(Duration.ofSeconds(10));
            if (process.exitValue() != 0) {
                synchronized (output) {
                    unavailable(String.join(" ", command) + " in " + directory + " failed (exit " + process.exitValue() + "):\n" + output);
                }
            }
        } catch (IOException e) {
            unavailable("cannot run " + String.join(" ", command) + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Node.js on the PATH, at least {@link #MIN_NODE_MAJOR} (what the pinned packages support). */
    private static void requireNode() {
        String version = requireTool("node");
        int major;
        try {
            major = Integer.parseInt(version.replaceFirst("^v", "").split("\\.")[0]);
        } catch (NumberFormatException e) {
            major = -1;
        }
        if (major < MIN_NODE_MAJOR) {
            unavailable("node " + version + " is older than " + MIN_NODE_MAJOR + "; install Node.js " + MIN_NODE_MAJOR + " or newer");
        }
    }

    /** The tool's {@code --version} output. */
    private static String requireTool(String tool) {
        try {
            Process process = new ProcessBuilder(executable(tool), "--version").redirectErrorStream(true).start();
            process.getOutputStream().close();
            String version = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (process.waitFor() == 0) return version;
        } catch (IOException e) {
            // not on the PATH
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        unavailable(tool + " was not found on the PATH; install Node.js " + MIN_NODE_MAJOR + " or newer (with npm) to run these tests");
        throw new AssertionError("unreachable");
    }

    private static String executable(String tool) {
        boolean windows = System.getProperty("os.name").toLowerCase(Locale.ROOT).startsWith("windows");
        return windows && tool.equals("npm") ? "npm.cmd" : tool;
    }

    /** Skips the tests that need the npm clients, except on CI, where they must run. */
    private static void unavailable(String why) {
        unavailable = "the official JavaScript clients are unavailable: " + why;
        System.err.println("SKIPPED: " + unavailable);
        skipOrFail(unavailable);
    }

    private static void skipOrFail(String message) {
        String ci = System.getenv("CI");
        if (ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false")) {
            throw new IllegalStateException(message + " (CI is set, so this fails instead of skipping)");
        }
        abort(message);
    }
}
