package relay.bench.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import relay.bench.RelayBench;
import relay.bench.RelayBench.BenchException;

/**
 * Part 3 of the local bench: how far a fresh Relay JVM's first requests are from its steady state, plain
 * and with each start-up aid the JDK has, every variant made by its own training run first:
 * <ul>
 *   <li>{@code plain}: {@code java -jar relay-local.jar}, the JDK's own CDS archive only (on by default);</li>
 *   <li>{@code appcds}: an archive of the application's classes too, written at the training run's exit
 *       ({@code -XX:ArchiveClassesAtExit}) and mapped at start ({@code -XX:SharedArchiveFile});</li>
 *   <li>{@code aot}: JDK 24+'s ahead-of-time cache (JEP 483, 514, 515): classes loaded and linked, and method
 *       profiles, from the training run ({@code -XX:AOTCacheOutput}) used at start ({@code -XX:AOTCache}).</li>
 * </ul>
 * A run: spawn, ready line, the first N requests one at a time over one connection (each timed), then load at C
 * connections for S seconds, then 2,000 requests one at a time: their mean is that JVM's steady state.
 */
final class Warmup {
    private final LocalBench.Options options;
    private final LocalBench.RelayJvm relayJvm;
    private final Path jar;
    private final Path artifacts;

    Warmup(LocalBench.Options options, LocalBench.RelayJvm relayJvm, Path jar, Path artifacts, MiniUpstream upstream) {
        this.options = options;
        this.relayJvm = relayJvm;
        this.jar = jar;
        this.artifacts = artifacts;
    }

    /** One fresh JVM's figures. */
    record Sample(double readyMs, double firstRequestMs, double firstMeanMs, double first100MeanMs, double steadyMeanMs) {
        double ratio() {
            return firstMeanMs / steadyMeanMs;
        }
    }

    Map<String, Object> run() throws Exception {
        Map<String, List<String>> variantOptions = new LinkedHashMap<>();
        Map<String, Object> training = new LinkedHashMap<>();
        for (String variant : options.variants()) {
            switch (variant) {
                case "plain" -> variantOptions.put(variant, List.of());
                case "appcds" -> {
                    Path archive = artifacts.resolve("relay-local.jsa");
                    training.put(variant, train(variant, List.of("-XX:ArchiveClassesAtExit=" + archive), archive));
                    variantOptions.put(variant, List.of("-XX:SharedArchiveFile=" + archive));
                }
                case "aot" -> {
                    Path cache = artifacts.resolve("relay-local.aot");
                    // JDK 24's two steps (a record run, then a create run), as JEP 483 has them: with the one-step
                    // -XX:AOTCacheOutput the training JVM, started from this JVM, exited without writing the cache
                    Path configuration = artifacts.resolve("relay-local.aotconf");
                    Map<String, Object> record = train(variant, List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=" + configuration),
                            configuration);
                    record.put("create_ms", RelayBench.round1(createAotCache(configuration, cache)));
                    record.put("cache_mb", RelayBench.round1(Files.size(cache) / 1e6));
                    training.put(variant, record);
                    variantOptions.put(variant, List.of("-XX:AOTCache=" + cache));
                }
                default -> throw new IllegalStateException(variant);
            }
        }
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        for (int run = 1; run <= options.runs(); run++) {
            for (var variant : variantOptions.entrySet()) { // variants interleaved, so that each sees the machine alike
                System.out.printf(Locale.ROOT, "... warm-up run %d/%d, %s%n", run, options.runs(), variant.getKey());
                samples.computeIfAbsent(variant.getKey(), k -> new ArrayList<>()).add(freshRun(variant.getKey(), variant.getValue()));
            }
        }
        return report(variantOptions, training, samples);
    }

    /** A training run: the JVM writes its archive or cache at exit. */
    private Map<String, Object> train(String variant, List<String> jvmOptions, Path artifact) throws Exception {
        System.out.printf(Locale.ROOT, "... training run for %s: %s%n", variant, String.join(" ", jvmOptions));
        Files.deleteIfExists(artifact);
        long start = System.nanoTime();
        Child relay = relayJvm.start("relay-training-" + variant, jar, jvmOptions);
        double readyMs = relay.readyMillis();
        try {
            Target target = LocalBench.RelayJvm.target("relay", relay);
            try (Connection c = new Connection(target, LocalBench.REQUEST_TIMEOUT)) {
                for (int i = 0; i < options.first(); i++) LocalBench.timed(c);
            }
            LocalBench.load(target, options.connections(), Duration.ofSeconds(5));
        } finally {
            long stopping = System.nanoTime();
            relay.stop(LocalBench.TRAINING_EXIT_GRACE);
            System.out.printf(Locale.ROOT, "    training JVM exited %.1f s after SIGTERM (exit %d)%n", (System.nanoTime() - stopping) / 1e9, relay.exitValue());
        }
        double totalMs = (System.nanoTime() - start) / 1e6;
        if (!Files.isRegularFile(artifact)) {
            throw new BenchException("the " + variant + " training run (exit " + relay.exitValue() + ") wrote no " + artifact + "; its last output:\n" + relay.tail());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("jvm_options", String.join(" ", jvmOptions));
        out.put("ready_ms", RelayBench.round1(readyMs));
        out.put("spawn_to_exit_ms", RelayBench.round1(totalMs));
        out.put("artifact", artifact.toString());
        out.put("artifact_mb", RelayBench.round1(Files.size(artifact) / 1e6));
        return out;
    }

    /** The create step: a JVM that writes the cache from the training's configuration and exits (no main). */
    private double createAotCache(Path configuration, Path cache) throws Exception {
        Files.deleteIfExists(cache);
        long start = System.nanoTime();
        Process create = new ProcessBuilder(LocalBench.javaBinary(), "-XX:AOTMode=create", "-XX:AOTConfiguration=" + configuration,
                "-XX:AOTCache=" + cache, "-jar", jar.toString()).redirectErrorStream(true).start();
        String output = new String(create.getInputStream().readAllBytes());
        if (!create.waitFor(LocalBench.TRAINING_EXIT_GRACE.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)
                || create.exitValue() != 0 || !Files.isRegularFile(cache)) {
            create.destroyForcibly();
            throw new BenchException("creating the AOT cache " + cache + " failed:\n" + output);
        }
        return (System.nanoTime() - start) / 1e6;
    }

    private Sample freshRun(String variant, List<String> jvmOptions) throws Exception {
        try (Child relay = relayJvm.start("relay-" + variant, jar, jvmOptions)) {
            double readyMs = relay.readyMillis();
            Target target = LocalBench.RelayJvm.target("relay", relay);
            long[] first = new long[options.first()];
            long[] steady = new long[options.steadyRequests()];
            try (Connection c = new Connection(target, LocalBench.REQUEST_TIMEOUT)) {
                for (int i = 0; i < first.length; i++) first[i] = LocalBench.timed(c);
                if (options.steadySeconds() > 0) LocalBench.load(target, options.connections(), Duration.ofSeconds(options.steadySeconds()));
                for (int i = 0; i < steady.length; i++) steady[i] = LocalBench.timed(c);
            }
            String refused = relay.tail().lines().filter(l -> l.contains("[cds") || l.contains("[aot") || l.contains("AOT"))
                    .findFirst().orElse(null);
            if (refused != null) System.out.println("    the JVM said: " + refused);
            return new Sample(readyMs, first[0] / 1e6, mean(first) / 1e6, mean(Arrays.copyOf(first, Math.min(100, first.length))) / 1e6,
                    mean(steady) / 1e6);
        }
    }

    static double mean(long[] values) {
        return Arrays.stream(values).average().orElse(Double.NaN);
    }

    static double median(List<Sample> samples, java.util.function.ToDoubleFunction<Sample> field) {
        double[] v = samples.stream().mapToDouble(field).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private Map<String, Object> report(Map<String, List<String>> variantOptions, Map<String, Object> training,
                                       Map<String, List<Sample>> samples) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("what", "fresh Relay JVMs: spawn to listening; the first " + options.first() + " requests' mean, one at a time over one "
                + "connection from the first; steady = the mean of " + options.steadyRequests() + " such requests after "
                + options.steadySeconds() + " s of load at " + options.connections() + " connections, same JVM; medians over runs");
        out.put("training", training);
        System.out.println();
        System.out.printf(Locale.ROOT, "3. Warm-up: fresh Relay JVMs, %d per variant (interleaved), medians. First %,d requests one at a time from%n",
                options.runs(), options.first());
        System.out.printf(Locale.ROOT, "   the ready line; steady = mean of %,d requests after %d s of load at %d connections, same JVM.%n",
                options.steadyRequests(), options.steadySeconds(), options.connections());
        System.out.printf(Locale.ROOT, "   %-8s %10s %12s %14s %14s %12s %14s%n", "", "ready (ms)", "1st req (ms)", "first 100 (ms)",
                "first N (ms)", "steady (ms)", "first N/steady");
        double plainReady = Double.NaN, plainFirst = Double.NaN;
        for (var entry : samples.entrySet()) {
            List<Sample> s = entry.getValue();
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("jvm_options", String.join(" ", variantOptions.get(entry.getKey())));
            double ready = median(s, Sample::readyMs), firstMean = median(s, Sample::firstMeanMs);
            v.put("median_ready_ms", RelayBench.round1(ready));
            v.put("median_first_request_ms", RelayBench.round2(median(s, Sample::firstRequestMs)));
            v.put("median_first_100_mean_ms", RelayBench.round3(median(s, Sample::first100MeanMs)));
            v.put("median_first_n_mean_ms", RelayBench.round3(firstMean));
            v.put("median_steady_mean_ms", RelayBench.round3(median(s, Sample::steadyMeanMs)));
            v.put("median_first_n_to_steady", RelayBench.round2(median(s, Sample::ratio)));
            v.put("samples", s);
            out.put(entry.getKey(), v);
            System.out.printf(Locale.ROOT, "   %-8s %10.0f %12.1f %14.3f %14.3f %12.3f %13.2fx%n", entry.getKey(), ready,
                    median(s, Sample::firstRequestMs), median(s, Sample::first100MeanMs), firstMean, median(s, Sample::steadyMeanMs),
                    median(s, Sample::ratio));
            if (entry.getKey().equals("plain")) {
                plainReady = ready;
                plainFirst = firstMean;
            } else if (!Double.isNaN(plainReady)) {
                System.out.printf(Locale.ROOT, "   %-8s ready %.2fx plain's, first-%d mean %.2fx plain's%n", "", ready / plainReady,
                        options.first(), firstMean / plainFirst);
            }
        }
        System.out.println();
        return out;
    }
}
