package relay.core.guardrail;

/**
 * One configured guardrail ({@code guardrails[]} in config): it reads a request's texts before any provider call,
 * and masks values in them or refuses the request.
 */
public interface Guardrail {
    /** {@code guardrail_name}: what requests ask for it by. */
    String name();

    /** {@code default_on}: it runs for every request, not only those that name it. */
    boolean defaultOn();

    /**
     * Screens {@code texts} in place: a value to mask is replaced there. A value that blocks the request is masked
     * too (so the request log keeps no copy of it), and reported in the result.
     */
    Findings screen(Texts texts);
}
