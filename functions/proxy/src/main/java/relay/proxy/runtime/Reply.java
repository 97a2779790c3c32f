package relay.proxy.runtime;

import java.io.IOException;
import relay.core.api.ResponseSink;

/** How one invocation's answer goes back to Lambda: streamed ({@link StreamedReply}) or whole ({@link BufferedReply}). */
sealed interface Reply extends ResponseSink permits StreamedReply, BufferedReply {
    /** Whether any of the answer has gone to Lambda; after that a failure can no longer be reported as an invocation error. */
    boolean sent();

    /** Makes sure the answer is complete and Lambda has accepted it; throws when there is none to send. */
    void complete() throws IOException;

    /** Ends an answer already under way with this error (in trailers, when streamed). */
    void fail(LambdaError error) throws IOException;
}
