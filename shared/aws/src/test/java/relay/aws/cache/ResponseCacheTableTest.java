package relay.aws.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;

/** The response-cache table Relay creates locally is the one the SAM template deploys, and the function may only use it as the cache needs. */
class ResponseCacheTableTest {

    @Test
    void createRequestMatchesTheSamTemplate() throws IOException {
        JsonNode table = samTemplate().path("Resources").path("ResponseCacheTable");
        assertEquals("AWS::DynamoDB::Table", table.path("Type").asText());
        JsonNode properties = table.path("Properties");
        CreateTableRequest request = ResponseCacheTable.createRequest("t");

        assertEquals(properties.path("BillingMode").asText(), request.billingModeAsString());
        List<String> templateAttributes = new ArrayList<>();
        properties.path("AttributeDefinitions").forEach(a ->
                templateAttributes.add(a.path("AttributeName").asText() + ":" + a.path("AttributeType").asText()));
        assertEquals(templateAttributes, request.attributeDefinitions().stream()
                .map(a -> a.attributeName() + ":" + a.attributeTypeAsString()).toList());
        List<String> templateKeys = new ArrayList<>();
        properties.path("KeySchema").forEach(k ->
                templateKeys.add(k.path("AttributeName").asText() + ":" + k.path("KeyType").asText()));
        assertEquals(templateKeys, request.keySchema().stream()
                .map(k -> k.attributeName() + ":" + k.keyTypeAsString()).toList());
        assertEquals(List.of("pk:HASH", "sk:RANGE"), templateKeys);
        assertTrue(properties.path("GlobalSecondaryIndexes").isMissingNode() && !request.hasGlobalSecondaryIndexes(),
                "neither declares indexes");

        JsonNode ttl = properties.path("TimeToLiveSpecification");
        var spec = ResponseCacheTable.timeToLiveRequest("t").timeToLiveSpecification();
        assertEquals(ttl.path("AttributeName").asText(), spec.attributeName());
        assertEquals(ResponseCacheTable.TTL_ATTRIBUTE, spec.attributeName());
        assertTrue(ttl.path("Enabled").asBoolean() && spec.enabled());
        assertTrue(properties.path("SSESpecification").path("SSEEnabled").asBoolean(), "prompts and answers are encrypted at rest");
    }

    @Test
    void theProxyFunction_mayGetPutAndQueryTheCacheTable_andNothingMore() throws IOException {
        JsonNode template = samTemplate();
        JsonNode function = template.path("Resources").path("ProxyFunction").path("Properties");
        assertEquals("ResponseCacheTable",
                function.path("Environment").path("Variables").path(ResponseCacheTable.ENVIRONMENT_VARIABLE).asText(), // !Ref, tag dropped
                "the function is told the table's name");

        Set<String> cacheActions = new TreeSet<>();
        assertTrue(function.path("Role").toString().contains("ProxyFunctionRole"), "the function runs as its own role");
        JsonNode role = template.path("Resources").path("ProxyFunctionRole").path("Properties");
        for (JsonNode statement : statements(role)) {
            List<String> resources = new ArrayList<>();
            JsonNode resource = statement.path("Resource");
            (resource.isArray() ? resource : List.of(resource)).forEach(r -> resources.add(r.toString()));
            if (resources.stream().anyMatch(r -> r.contains("ResponseCacheTable"))) {
                assertEquals("Allow", statement.path("Effect").asText());
                assertTrue(resources.stream().allMatch(r -> r.contains("ResponseCacheTable")),
                        "cache actions on the cache table and its indexes only: " + resources);
                actions(statement).forEach(cacheActions::add);
            }
        }
        assertEquals(Set.of("dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"), cacheActions);
    }

    @Test
    void noStatementInTheTemplate_grantsAWildcardAction() throws IOException {
        List<String> all = new ArrayList<>();
        collectActions(samTemplate().path("Resources"), all);
        assertFalse(all.isEmpty());
        for (String action : all) {
            assertFalse(action.contains("*"), "wildcard action " + action);
        }
    }

    /** The statements of an IAM role's inline policies. */
    private static List<JsonNode> statements(JsonNode roleProperties) {
        List<JsonNode> statements = new ArrayList<>();
        for (JsonNode policy : roleProperties.path("Policies")) policy.path("PolicyDocument").path("Statement").forEach(statements::add);
        return statements;
    }

    private static List<String> actions(JsonNode statement) {
        JsonNode action = statement.path("Action");
        List<String> actions = new ArrayList<>();
        if (action.isArray()) action.forEach(a -> actions.add(a.asText()));
        else actions.add(action.asText());
        return actions;
    }

    /** Every Action (and NotAction) under {@code node}: the template's policies wherever they are declared. */
    private static void collectActions(JsonNode node, List<String> out) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                if ((e.getKey().equals("Action") || e.getKey().equals("NotAction")) && !e.getValue().isObject()) {
                    if (e.getValue().isArray()) e.getValue().forEach(a -> out.add(a.asText()));
                    else out.add(e.getValue().asText());
                } else {
                    collectActions(e.getValue(), out);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collectActions(n, out));
        }
    }

    private static JsonNode samTemplate() throws IOException {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path template = dir.resolve("template.yaml");
            if (Files.isRegularFile(template)) return new ObjectMapper(new YAMLFactory()).readTree(template.toFile());
        }
        throw new IllegalStateException("template.yaml not found above " + Path.of("").toAbsolutePath());
    }
}
