package relay.aws;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;

/** Creating Relay's tables where no template does (the local server's embedded DynamoDB). */
public final class Tables {
    private Tables() {}

    /**
     * Creates the table, with TTL on {@code ttlAttribute} (null: none), unless it exists — a local server's
     * {@code --data-dir} from an earlier run, or another server on the same DynamoDB.
     */
    public static void createIfMissing(DynamoDbClient client, CreateTableRequest create, String ttlAttribute) {
        try {
            client.createTable(create);
        } catch (ResourceInUseException alreadyThere) {
            return;
        }
        if (ttlAttribute != null) {
            client.updateTimeToLive(b -> b.tableName(create.tableName())
                    .timeToLiveSpecification(t -> t.attributeName(ttlAttribute).enabled(true)));
        }
    }
}
