package relay.core.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import relay.core.provider.Deployment;

/** How a group's deployments are ordered: weighted shuffle, least-busy, latency-based. */
class LoadBalancerTest {
    static final String WEIGHTED = """
            model_list:
              - model_name: g
                litellm_params: {model: fake/small, weight: 2}
              - model_name: g
                litellm_params: {model: fake/medium, weight: 3}
              - model_name: g
                litellm_params: {model: fake/large, weight: 5}
              - model_name: by-rpm
                litellm_params: {model: fake/rpm-100, rpm: 100}
              - model_name: by-rpm
                litellm_params: {model: fake/rpm-300, rpm: 300}
              - model_name: by-rpm
                litellm_params: {model: fake/rpm-600-weight-1, rpm: 600, weight: 1}
            """;

    static Map<Deployment, DeploymentState> states(List<Deployment> deployments) {
        Map<Deployment, DeploymentState> states = new HashMap<>();
        deployments.forEach(d -> states.put(d, new DeploymentState(3, Duration.ofSeconds(5))));
        return states;
    }

    static Map<String, Integer> firstPicks(LoadBalancer balancer, List<Deployment> group, Map<Deployment, DeploymentState> states,
                                           int picks) {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            List<Deployment> order = balancer.order(group, states);
            assertEquals(new HashSet<>(group), new HashSet<>(order), "every deployment once, in some order");
            assertEquals(group.size(), order.size());
            counts.merge(order.get(0).id(), 1, Integer::sum);
        }
        return counts;
    }

    static void assertWithin10Percent(int expected, Integer actual, String what) {
        int got = actual == null ? 0 : actual;
        assertTrue(Math.abs(got - expected) <= expected * 0.10, what + ": expected " + expected + " ±10%, got " + got);
    }

    @Test
    void weightedShuffle_spreadsFirstPicksByWeight() {
        List<Deployment> group = Upstreams.models(WEIGHTED).route("g");
        var balancer = new LoadBalancer(RouterPolicy.Strategy.SIMPLE_SHUFFLE, new SplittableRandom(20250601));

        Map<String, Integer> counts = firstPicks(balancer, group, states(group), 1000);

        assertWithin10Percent(200, counts.get("fake/small"), "weight 2 of 10");
        assertWithin10Percent(300, counts.get("fake/medium"), "weight 3 of 10");
        assertWithin10Percent(500, counts.get("fake/large"), "weight 5 of 10");
    }

    @Test
    void weightedShuffle_usesRpmWhenNoWeight_andWeightOverRpm() {
        List<Deployment> group = Upstreams.models(WEIGHTED).route("by-rpm");
        var balancer = new LoadBalancer(RouterPolicy.Strategy.SIMPLE_SHUFFLE, new SplittableRandom(42));

        // weights 100, 300 and 1 (weight wins over its rpm of 600)
        Map<String, Integer> counts = firstPicks(balancer, group, states(group), 1000);

        assertWithin10Percent(249, counts.get("fake/rpm-100"), "rpm 100 of 401");
        assertWithin10Percent(748, counts.get("fake/rpm-300"), "rpm 300 of 401");
        assertTrue(counts.getOrDefault("fake/rpm-600-weight-1", 0) < 15, counts.toString());
    }

    @Test
    void weightedShuffle_secondPlaceIsAlsoWeighted() {
        List<Deployment> group = Upstreams.models(WEIGHTED).route("g");
        var balancer = new LoadBalancer(RouterPolicy.Strategy.SIMPLE_SHUFFLE, new SplittableRandom(7));
        Map<String, Integer> second = new HashMap<>();
        for (int i = 0; i < 1000; i++) {
            List<Deployment> order = balancer.order(group, states(group));
            if (order.get(0).id().equals("fake/large")) second.merge(order.get(1).id(), 1, Integer::sum);
        }
        // after large is out: small 2 of 5, medium 3 of 5
        int total = second.values().stream().mapToInt(Integer::intValue).sum();
        double smallShare = second.getOrDefault("fake/small", 0) / (double) total;
        assertTrue(Math.abs(smallShare - 0.4) < 0.06, "small second in " + smallShare + " of " + total);
    }

    @Test
    void leastBusy_picksTheIdleDeployment() {
        List<Deployment> group = Upstreams.models(WEIGHTED).route("g");
        Map<Deployment, DeploymentState> states = states(group);
        states.get(group.get(0)).started();
        states.get(group.get(0)).started();
        states.get(group.get(2)).started();
        var balancer = new LoadBalancer(RouterPolicy.Strategy.LEAST_BUSY, new SplittableRandom(1));

        for (int i = 0; i < 200; i++) {
            List<Deployment> order = balancer.order(group, states);
            assertEquals("fake/medium", order.get(0).id(), "idle first");
            assertEquals("fake/large", order.get(1).id(), "one in flight next");
            assertEquals("fake/small", order.get(2).id(), "two in flight last");
        }
    }

    @Test
    void leastBusy_spreadsBetweenEquallyIdleDeployments() {
        List<Deployment> group = Upstreams.models(WEIGHTED).route("g");
        var balancer = new LoadBalancer(RouterPolicy.Strategy.LEAST_BUSY, new SplittableRandom(3));

        Map<String, Integer> counts = firstPicks(balancer, group, states(group), 300);

        assertEquals(3, counts.size(), "ties keep the weighted-random order: " + counts);
    }

    @Test
    void latencyBased_picksTheFastest_andTriesUnmeasuredOnesFirst() {
        List<Deployment> group = Upstreams.models(WEIGHTED).route("g");
        Map<Deployment, DeploymentState> states = states(group);
        measure(states.get(group.get(0)), 300);
        measure(states.get(group.get(1)), 40);
        var balancer = new LoadBalancer(RouterPolicy.Strategy.LATENCY_BASED, new SplittableRandom(5));

        assertEquals(List.of("fake/large", "fake/medium", "fake/small"), ids(balancer.order(group, states)),
                "unmeasured large first, so it gets measured");

        measure(states.get(group.get(2)), 120);
        for (int i = 0; i < 100; i++) {
            assertEquals(List.of("fake/medium", "fake/large", "fake/small"), ids(balancer.order(group, states)));
        }
    }

    @Test
    void latencyBased_countsATimeoutAsItsLatency_soANeverAnsweringDeploymentIsNotPreferred() {
        List<Deployment> group = Upstreams.models(WEIGHTED).route("g");
        Map<Deployment, DeploymentState> states = states(group);
        measure(states.get(group.get(0)), 100);
        measure(states.get(group.get(1)), 200);
        DeploymentState stuck = states.get(group.get(2));
        stuck.started();
        stuck.failed(true, 5000, true);
        var balancer = new LoadBalancer(RouterPolicy.Strategy.LATENCY_BASED, new SplittableRandom(5));

        assertEquals(List.of("fake/small", "fake/medium", "fake/large"), ids(balancer.order(group, states)));
        assertEquals(0, stuck.inFlight());
    }

    static void measure(DeploymentState state, long millis) {
        state.started();
        state.succeeded(millis);
    }

    static List<String> ids(List<Deployment> deployments) {
        return deployments.stream().map(Deployment::id).toList();
    }

    // ---- through the router, with real concurrency and real timings ----

    @Test
    void router_leastBusy_sendsTheNextRequestToTheDeploymentWithoutOneInFlight() throws Exception {
        Router router = Upstreams.router("""
                model_list:
                  - model_name: g
                    litellm_params: {model: fake/a}
                  - model_name: g
                    litellm_params: {model: fake/b}
                router_settings: {routing_strategy: least-busy, num_retries: 0}
                """, 11);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Upstreams.Behaviour hold = (d, t) -> {
            inside.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return "held " + d.id();
        };
        Upstreams first = new Upstreams().always("fake/a", hold).always("fake/b", hold);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Router.Routed<String>> busy = pool.submit(() -> router.run(Upstreams.plan("g"), Upstreams.trace(), first));
            assertTrue(inside.await(60, TimeUnit.SECONDS), "the first request reached a deployment");
            String busyId = first.calls().get(0).deployment();

            for (int i = 0; i < 5; i++) {
                Router.Routed<String> next = router.run(Upstreams.plan("g"), Upstreams.trace(), new Upstreams());
                assertNotEquals(busyId, next.deployment().id(), "the idle deployment takes request " + i);
            }
            release.countDown();
            assertEquals(busyId, busy.get(60, TimeUnit.SECONDS).deployment().id());
        } finally {
            release.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void router_latencyBased_prefersTheFasterDeploymentOnceMeasured() {
        Router router = Upstreams.router("""
                model_list:
                  - model_name: g
                    litellm_params: {model: fake/fast}
                  - model_name: g
                    litellm_params: {model: fake/slow}
                router_settings: {routing_strategy: latency-based-routing, num_retries: 0}
                """, 13);
        Upstreams upstreams = new Upstreams()
                .always("fake/fast", Upstreams.sleepThen(5, Upstreams.ok()))
                .always("fake/slow", Upstreams.sleepThen(80, Upstreams.ok()));

        List<String> answered = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++) answered.add(router.run(Upstreams.plan("g"), Upstreams.trace(), upstreams).deployment().id());

        assertEquals(1, upstreams.calls("fake/slow"), "measured once, then avoided: " + answered);
        assertTrue(answered.subList(2, 8).stream().allMatch("fake/fast"::equals), answered.toString());
    }
}
