package relay.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.aws.keys.AccessTable;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;

/** The virtual keys' table in the SAM template is the one the local server creates, and the function may use it, and only it. */
class AccessTableTemplateTest {
    static JsonNode resources;

    @BeforeAll
    static void read() throws IOException {
        resources = new YAMLMapper().readTree(Path.of("../../template.yaml").toFile()).get("Resources");
    }

    @Test
    void accessTable_isTheOneTheLocalServerCreates() {
        JsonNode table = resources.at("/AccessTable/Properties");
        CreateTableRequest local = AccessTable.createRequest("any");

        assertEquals("PAY_PER_REQUEST", table.get("BillingMode").asText());
        assertEquals(local.keySchema().size(), table.get("KeySchema").size());
        for (int i = 0; i < local.keySchema().size(); i++) {
            assertEquals(local.keySchema().get(i).attributeName(), table.at("/KeySchema/" + i + "/AttributeName").asText());
            assertEquals(local.keySchema().get(i).keyTypeAsString(), table.at("/KeySchema/" + i + "/KeyType").asText());
        }
        assertEquals(local.attributeDefinitions().size(), table.get("AttributeDefinitions").size());
        for (int i = 0; i < local.attributeDefinitions().size(); i++) {
            assertEquals(local.attributeDefinitions().get(i).attributeName(), table.at("/AttributeDefinitions/" + i + "/AttributeName").asText());
            assertEquals(local.attributeDefinitions().get(i).attributeTypeAsString(), table.at("/AttributeDefinitions/" + i + "/AttributeType").asText());
        }
        assertTrue(table.path("GlobalSecondaryIndexes").isMissingNode(), "no index: keys and teams are listed by Query");
    }

    @Test
    void theProxyFunction_getsTheTableByName_andExactActionsOnItAlone() {
        JsonNode function = resources.at("/ProxyFunction/Properties");
        // YAML tags (!Ref, !GetAtt) are read as their plain values.
        assertEquals("AccessTable", function.at("/Environment/Variables/" + AccessTable.ENVIRONMENT_VARIABLE).asText());

        assertEquals("ProxyFunctionRole.Arn", function.get("Role").asText());
        List<JsonNode> statements = new ArrayList<>();
        resources.forEach(resource -> TemplateTest.statements(resource).forEach(statement -> {
            if (statement.path("Resource").toString().contains("AccessTable")) statements.add(statement);
        }));
        assertEquals(1, statements.size(), "one statement in the whole template names the table");
        JsonNode statement = statements.get(0);
        assertEquals("AccessTable.Arn", statement.path("Resource").asText(), "the table itself, no index, no other table");
        List<String> actions = new ArrayList<>();
        statement.get("Action").forEach(a -> actions.add(a.asText()));
        assertEquals(List.of("dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem"), actions);
    }
}
