package relay.dynamodb.embedded;

import java.net.URI;

/** A DynamoDB-compatible server that a store test talks to through the AWS SDK. */
interface TestServer extends AutoCloseable {
    URI endpoint();

    @Override
    void close();

    /** A fresh in-memory embedded server. */
    static TestServer embedded() {
        EmbeddedDynamoDb db = EmbeddedDynamoDb.start();
        return new TestServer() {
            @Override
            public URI endpoint() {
                return db.endpoint();
            }

            @Override
            public void close() {
                db.close();
            }

            @Override
            public String toString() {
                return "embedded DynamoDB at " + db.endpoint();
            }
        };
    }
}
