package relay.core.routing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import relay.core.config.RelayConfig;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.gateway.RequestTrace;
import relay.core.provider.Deployment;
import relay.core.provider.ModelRouter;
import relay.core.provider.Provider;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatCompletionResponse;

/**
 * Scripted deployments for router tests: each deployment (by id) answers from its own queue of
 * behaviours, else with its default (an answer naming it), and every call is counted and timed.
 */
final class Upstreams implements Router.DeploymentCall<String> {
    /** What one call of a deployment does. */
    @FunctionalInterface
    interface Behaviour {
        String run(Deployment deployment, Duration timeout);
    }

    private final Map<String, Deque<Behaviour>> scripts = new ConcurrentHashMap<>();
    private final Map<String, Behaviour> defaults = new ConcurrentHashMap<>();
    private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());

    /** One call as it happened: which deployment, when (System.nanoTime), with which timeout. */
    record Call(String deployment, long nanos, Duration timeout) {}

    Upstreams script(String deploymentId, Behaviour... behaviours) {
        Deque<Behaviour> queue = scripts.computeIfAbsent(deploymentId, k -> new ArrayDeque<>());
        synchronized (queue) {
            queue.addAll(List.of(behaviours));
        }
        return this;
    }

    Upstreams always(String deploymentId, Behaviour behaviour) {
        defaults.put(deploymentId, behaviour);
        return this;
    }

    @Override
    public String call(Deployment deployment, Duration timeout) {
        calls.add(new Call(deployment.id(), System.nanoTime(), timeout));
        Deque<Behaviour> queue = scripts.get(deployment.id());
        Behaviour next = null;
        if (queue != null) {
            synchronized (queue) {
                next = queue.poll();
            }
        }
        if (next == null) next = defaults.getOrDefault(deployment.id(), ok());
        return next.run(deployment, timeout);
    }

    int calls(String deploymentId) {
        return (int) calls().stream().filter(c -> c.deployment().equals(deploymentId)).count();
    }

    List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    static Behaviour ok() {
        return (d, t) -> "answer from " + d.id();
    }

    static Behaviour fail(ErrorKind kind) {
        return fail(kind, Map.of());
    }

    static Behaviour fail(ErrorKind kind, Map<String, String> headers) {
        return (d, t) -> {
            throw new RelayException(kind, d.id() + " failed with " + kind, null, headers, null);
        };
    }

    /** Takes {@code millis} whatever the timeout says (a provider whose body stalls), then answers. */
    static Behaviour slow(long millis) {
        return (d, t) -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RelayException(ErrorKind.PROVIDER_UNAVAILABLE, d.id() + ": the call was interrupted.");
            }
            return "answer from " + d.id();
        };
    }

    static Behaviour sleepThen(long millis, Behaviour then) {
        return (d, t) -> {
            slow(millis).run(d, t);
            return then.run(d, t);
        };
    }

    static Behaviour run(Consumer<Deployment> action, Behaviour then) {
        return (d, t) -> {
            action.accept(d);
            return then.run(d, t);
        };
    }

    // ---- wiring ----

    /** A provider named {@code fake}: the router tests never call it (their calls go to {@link Upstreams}). */
    static final Provider FAKE = new Provider() {
        @Override
        public String name() {
            return "fake";
        }

        @Override
        public String defaultKeyName() {
            return null;
        }

        @Override
        public ChatCompletionResponse chat(ProviderCall<ChatCompletionRequest> call) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void streamChat(ProviderCall<ChatCompletionRequest> call, Consumer<ChatCompletionChunk> chunks) {
            throw new UnsupportedOperationException();
        }
    };

    static ModelRouter models(String yaml) {
        return new ModelRouter(RelayConfig.parse(yaml), List.of(FAKE), Duration.ofSeconds(5));
    }

    static Router router(String yaml, long seed) {
        return router(yaml, seed, System::nanoTime);
    }

    /** With the deployments' cool-downs timed by {@code ticker} (nanoseconds), which the test moves. */
    static Router router(String yaml, long seed, java.util.function.LongSupplier ticker) {
        RelayConfig config = RelayConfig.parse(yaml);
        return new Router(new ModelRouter(config, List.of(FAKE), Duration.ofSeconds(5)), RouterPolicy.from(config),
                Clock.systemUTC(), new java.util.SplittableRandom(seed), ticker);
    }

    static RequestTrace trace() {
        return new RequestTrace("req-" + System.nanoTime(), Instant.now(), "POST /chat/completions");
    }

    static Router.Plan plan(String model) {
        return new Router.Plan(model, List.of(), null, Instant.now().plusSeconds(29), null);
    }

    static Router.Plan plan(String model, Integer numRetries) {
        return new Router.Plan(model, List.of(), numRetries, Instant.now().plusSeconds(29), null);
    }
}
