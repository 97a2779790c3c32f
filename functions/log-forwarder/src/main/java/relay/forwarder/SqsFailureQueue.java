package relay.forwarder;

import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageRequest;

/** The failure queue on AWS: one SQS message per failed delivery (the template's {@code SinkFailureQueue}). */
public final class SqsFailureQueue implements FailureQueue {
    private final SqsClient sqs;
    private final String queueUrl;

    public SqsFailureQueue(SqsClient sqs, String queueUrl) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
    }

    @Override
    public void send(FailedDelivery delivery) {
        sqs.sendMessage(SendMessageRequest.builder().queueUrl(queueUrl).messageBody(delivery.toJson()).build());
    }
}
