package relay.proxy.runtime;

import java.time.Instant;

/**
 * One invocation as {@code GET /runtime/invocation/next} hands it out.
 *
 * @param deadline when Lambda stops the invocation ({@code Lambda-Runtime-Deadline-Ms}); null when not given
 * @param traceId  the X-Ray trace header ({@code Lambda-Runtime-Trace-Id}); null when not given
 */
public record Invocation(String requestId, Instant deadline, String functionArn, String traceId, byte[] event) {}
