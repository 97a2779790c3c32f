package relay.core.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import relay.core.provider.Deployment;

/** Orders a group's deployments for one request: the first is tried first, the rest on failure. */
final class LoadBalancer {
    private final RouterPolicy.Strategy strategy;
    private final RandomGenerator random;

    LoadBalancer(RouterPolicy.Strategy strategy, RandomGenerator random) {
        this.strategy = strategy;
        this.random = random;
    }

    List<Deployment> order(List<Deployment> deployments, Map<Deployment, DeploymentState> states) {
        if (deployments.size() < 2) return deployments;
        List<Deployment> shuffled = weightedShuffle(deployments);
        return switch (strategy) {
            case SIMPLE_SHUFFLE -> shuffled;
            // ties keep the weighted-random order, so equal deployments still share the load
            case LEAST_BUSY -> sorted(shuffled, Comparator.comparingInt(d -> states.get(d).inFlight()));
            case LATENCY_BASED -> sorted(shuffled, Comparator.comparingDouble(d -> {
                double latency = states.get(d).latencyMillis();
                return Double.isNaN(latency) ? 0 : latency; // unmeasured first, so each gets measured
            }));
        };
    }

    private static List<Deployment> sorted(List<Deployment> deployments, Comparator<Deployment> by) {
        List<Deployment> copy = new ArrayList<>(deployments);
        copy.sort(by);
        return copy;
    }

    /** Random order without replacement, each pick weighted by {@code weight}, else {@code rpm}, else 1. */
    private List<Deployment> weightedShuffle(List<Deployment> deployments) {
        List<Deployment> remaining = new ArrayList<>(deployments);
        List<Deployment> ordered = new ArrayList<>(deployments.size());
        while (!remaining.isEmpty()) {
            double total = remaining.stream().mapToDouble(LoadBalancer::weight).sum();
            double pick = random.nextDouble() * total;
            int chosen = remaining.size() - 1;
            for (int i = 0; i < remaining.size(); i++) {
                pick -= weight(remaining.get(i));
                if (pick < 0) {
                    chosen = i;
                    break;
                }
            }
            ordered.add(remaining.remove(chosen));
        }
        return ordered;
    }

    static double weight(Deployment d) {
        String value = d.option("weight") != null ? d.option("weight") : d.option("rpm");
        try {
            double w = value == null ? 1 : Double.parseDouble(value);
            return w > 0 ? w : 0.000001;
        } catch (NumberFormatException e) {
            return 1;
        }
    }
}
