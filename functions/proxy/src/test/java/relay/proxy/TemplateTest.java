package relay.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.aws.RequestLogTable;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;

/** The SAM template and the code agree: same table, same handler, same settings; least privilege. */
class TemplateTest {
    static JsonNode resources;

    @BeforeAll
    static void read() throws IOException {
        resources = new YAMLMapper().readTree(Path.of("../../template.yaml").toFile()).get("Resources");
    }

    @Test
    void requestLogTable_isTheOneTheLocalServerCreates() {
        JsonNode table = resources.at("/RequestLogTable/Properties");
        CreateTableRequest local = RequestLogTable.createRequest("any");

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
        assertEquals(local.globalSecondaryIndexes().size(), table.get("GlobalSecondaryIndexes").size());
        for (int i = 0; i < local.globalSecondaryIndexes().size(); i++) {
            var index = local.globalSecondaryIndexes().get(i);
            JsonNode declared = table.at("/GlobalSecondaryIndexes/" + i);
            assertEquals(index.indexName(), declared.get("IndexName").asText());
            for (int k = 0; k < index.keySchema().size(); k++) {
                assertEquals(index.keySchema().get(k).attributeName(), declared.at("/KeySchema/" + k + "/AttributeName").asText());
                assertEquals(index.keySchema().get(k).keyTypeAsString(), declared.at("/KeySchema/" + k + "/KeyType").asText());
            }
            assertEquals(index.projection().projectionTypeAsString(), declared.at("/Projection/ProjectionType").asText());
            List<String> nonKey = new ArrayList<>();
            declared.at("/Projection/NonKeyAttributes").forEach(a -> nonKey.add(a.asText()));
            assertEquals(index.projection().nonKeyAttributes(), nonKey);
        }
        assertEquals(local.streamSpecification().streamViewTypeAsString(), table.at("/StreamSpecification/StreamViewType").asText());
        assertEquals(RequestLogTable.TTL_ATTRIBUTE, table.at("/TimeToLiveSpecification/AttributeName").asText());
        assertTrue(table.at("/TimeToLiveSpecification/Enabled").asBoolean());
    }

    @Test
    void proxyFunction_isJava21WithSnapStartOnItsAlias() {
        JsonNode function = resources.at("/ProxyFunction/Properties");

        assertEquals(ProxyHandler.class.getName() + "::handleRequest", function.get("Handler").asText());
        assertEquals("java21", function.get("Runtime").asText());
        assertEquals("PublishedVersions", function.at("/SnapStart/ApplyOn").asText());
        assertFalse(function.path("AutoPublishAlias").asText().isBlank());
        assertTrue(function.get("Timeout").asInt() <= 30, "inside API Gateway's 30 s");
        JsonNode env = function.at("/Environment/Variables");
        for (String name : List.of("RELAY_SECRET_ARN", "RELAY_REQUEST_LOG_TABLE", "RELAY_LOG_TTL_DAYS")) {
            assertTrue(env.has(name), name);
        }
    }

    @Test
    void policies_nameExactActions_neverWildcards() {
        List<String> actions = new ArrayList<>();
        resources.forEach(resource -> resource.path("Properties").path("Policies").forEach(policy ->
                policy.path("Statement").forEach(statement -> {
                    JsonNode action = statement.get("Action");
                    if (action.isArray()) action.forEach(a -> actions.add(a.asText()));
                    else actions.add(action.asText());
                })));

        assertFalse(actions.isEmpty());
        actions.forEach(a -> assertFalse(a.contains("*"), "wildcard action " + a));
        assertTrue(actions.containsAll(List.of("dynamodb:PutItem", "secretsmanager:GetSecretValue")), actions.toString());
    }
}
