package relay.dynamodb.embedded;

/** {@link BatchOperationsTest} against dynalite. */
class DynaliteBatchOperationsTest extends BatchOperationsTest {
    @Override
    TestServer startServer() {
        return Dynalite.start();
    }
}
