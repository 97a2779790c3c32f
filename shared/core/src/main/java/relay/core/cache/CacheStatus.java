package relay.core.cache;

/** What the cache did for a request, as the {@code x-relay-cache} response header says it. */
public enum CacheStatus {
    HIT_EXACT("hit-exact"),
    HIT_SEMANTIC("hit-semantic"),
    MISS("miss"),
    /** The cache is not configured, or the request skipped the lookup ({@code no-cache}, {@code default_off}). */
    OFF("off");

    public static final String HEADER = "x-relay-cache";

    private final String header;

    CacheStatus(String header) {
        this.header = header;
    }

    /** The header's value. */
    public String header() {
        return header;
    }
}
