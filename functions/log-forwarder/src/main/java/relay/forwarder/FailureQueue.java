package relay.forwarder;

import relay.core.log.Diagnostics;

/**
 * Where deliveries that failed for good go, so nothing is dropped silently: on AWS an SQS queue
 * ({@link SqsFailureQueue}); locally the console. {@link #send} throws when the queue itself failed:
 * the record is then reported to Lambda as a batch item failure and read again.
 */
public interface FailureQueue {
    void send(FailedDelivery delivery);

    /** The local server's: one line on stderr per failed delivery (the record stays in the embedded table). */
    FailureQueue CONSOLE = d -> Diagnostics.warn("log_sink_delivery_abandoned", "sink", d.sink(), "request_id",
            d.requestId(), "attempts", d.attempts(), "reason", d.reason());
}
