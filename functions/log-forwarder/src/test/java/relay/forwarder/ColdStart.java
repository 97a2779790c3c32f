package relay.forwarder;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;

/** What Lambda does at a cold start of the forwarder: the handler built from the environment, then one invocation. */
public final class ColdStart {
    private ColdStart() {}

    public static void main(String[] args) {
        LogForwarderHandler handler = new LogForwarderHandler();
        handler.handleRequest(new DynamodbEvent(), null);
        System.out.println("invoked");
    }
}
