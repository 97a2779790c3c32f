package relay.dynamodb.embedded;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * A store test class that talks to a DynamoDB-compatible server through the AWS SDK: the embedded server, or
 * whatever {@link #startServer} of a subclass starts (dynalite: the {@code Dynalite*Test} classes run the same
 * tests against it, so the two cannot drift apart unnoticed).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ServerTest {
    protected TestServer server;
    protected DynamoDbClient client;

    TestServer startServer() {
        return TestServer.embedded();
    }

    @BeforeAll
    final void startServerAndClient() {
        server = startServer();
        client = Fixtures.client(server.endpoint());
    }

    /**
     * Creates a table and waits until it is ACTIVE: DynamoDB (and dynalite) answer CREATING first, and a
     * table is not usable before it is active.
     */
    protected void createActive(software.amazon.awssdk.services.dynamodb.model.CreateTableRequest request) {
        client.createTable(request);
        long giveUp = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (client.describeTable(b -> b.tableName(request.tableName())).table().tableStatus()
                != software.amazon.awssdk.services.dynamodb.model.TableStatus.ACTIVE) {
            if (System.nanoTime() > giveUp) throw new AssertionError("table " + request.tableName() + " never became ACTIVE");
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    @AfterAll
    final void stopServerAndClient() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }
}
