package relay.forwarder;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import java.util.List;

/**
 * The log-forwarder Lambda: invoked with a batch of the request-log table's stream records
 * (event source mapping with {@code ReportBatchItemFailures}), it forwards each new record to the
 * configured sinks and answers with the records to read again: those whose failed deliveries could
 * not even be put on the failure queue. Everything is built once, in the constructor (init phase).
 */
public final class LogForwarderHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {
    private final LogForwarder forwarder;

    /** Lambda's: wiring from the function's environment (see {@link ForwarderWiring}). */
    public LogForwarderHandler() {
        this(ForwarderWiring.fromLambdaEnvironment(System.getenv()));
    }

    public LogForwarderHandler(LogForwarder forwarder) {
        this.forwarder = forwarder;
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        List<DynamodbEvent.DynamodbStreamRecord> records = event == null || event.getRecords() == null
                ? List.of() : event.getRecords();
        List<LogForwarder.StreamItem> items = records.stream()
                .filter(r -> r.getDynamodb() != null)
                .map(r -> new LogForwarder.StreamItem(r.getDynamodb().getSequenceNumber(), r.getEventName(),
                        StreamImages.toSdk(r.getDynamodb().getNewImage())))
                .toList();
        List<String> failed = forwarder.forward(items);
        return StreamsEventResponse.builder()
                .withBatchItemFailures(failed.stream()
                        .map(id -> StreamsEventResponse.BatchItemFailure.builder().withItemIdentifier(id).build())
                        .toList())
                .build();
    }
}
