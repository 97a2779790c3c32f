package relay.dynamodb.embedded;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/** {@link TableOperationsTest} against dynalite; the tests it fails are dynalite's own gaps, named here. */
class DynaliteTableOperationsTest extends TableOperationsTest {
    @Override
    TestServer startServer() {
        return Dynalite.start();
    }

    @Test
    @Override
    @Disabled("dynalite always reports ItemCount 0; DynamoDB refreshes it about every six hours, so both "
            + "it and the embedded server's live count are allowed")
    void describeTable_reportsLiveItemCountAndGsis() {
    }

    @Test
    @Override
    @Disabled("dynalite always reports TableSizeBytes 0, like ItemCount; DynamoDB refreshes both about every six "
            + "hours, so the embedded server's live figures are allowed")
    void describeTable_sizesFollowPutsOverwritesAndDeletes() {
    }

    @Test
    @Override
    @Disabled("dynalite gap: no DynamoDB Streams (no StreamSpecification, no stream ARN)")
    void createTable_withStream_echoesSpecificationAndLatestStreamArn() {
    }

    @Test
    @Override
    @Disabled("dynalite gap: no UpdateTimeToLive (UnknownOperationException), so no TTL either")
    void updateTimeToLive_isReportedByDescribeTimeToLive() {
    }
}
