package relay.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.aws.RequestLogTable;
import relay.aws.responses.ResponseStoreTable;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;

/** The SAM template and the code agree: same table, same handler, same settings; least privilege. */
class TemplateTest {
    static JsonNode template;
    static JsonNode resources;

    @BeforeAll
    static void read() throws IOException {
        template = new YAMLMapper().readTree(Path.of("../../template.yaml").toFile());
        resources = template.get("Resources");
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
    void responseStoreTable_isTheOneTheStoreUses_keptOnDelete_withTtl() {
        JsonNode resource = resources.get("ResponseStoreTable");
        JsonNode table = resource.get("Properties");
        CreateTableRequest local = ResponseStoreTable.createRequest("any");

        assertEquals("AWS::DynamoDB::Table", resource.get("Type").asText());
        assertEquals("Retain", resource.path("DeletionPolicy").asText(), "stored conversations outlive the stack");
        assertEquals("Retain", resource.path("UpdateReplacePolicy").asText());
        assertEquals("PAY_PER_REQUEST", table.get("BillingMode").asText());
        assertEquals(1, local.keySchema().size());
        assertEquals(ResponseStoreTable.PARTITION_KEY, local.keySchema().get(0).attributeName());
        assertEquals(ResponseStoreTable.PARTITION_KEY, table.at("/KeySchema/0/AttributeName").asText());
        assertEquals(local.keySchema().get(0).keyTypeAsString(), table.at("/KeySchema/0/KeyType").asText());
        assertEquals(1, table.get("KeySchema").size());
        assertEquals(local.attributeDefinitions().size(), table.get("AttributeDefinitions").size());
        assertEquals(ResponseStoreTable.PARTITION_KEY, table.at("/AttributeDefinitions/0/AttributeName").asText());
        assertEquals(local.attributeDefinitions().get(0).attributeTypeAsString(), table.at("/AttributeDefinitions/0/AttributeType").asText());
        assertTrue(table.path("GlobalSecondaryIndexes").isMissingNode());
        assertEquals(ResponseStoreTable.TTL_ATTRIBUTE, table.at("/TimeToLiveSpecification/AttributeName").asText());
        assertTrue(table.at("/TimeToLiveSpecification/Enabled").asBoolean());
        assertTrue(table.at("/SSESpecification/SSEEnabled").asBoolean(), "conversations are encrypted at rest");
    }

    @Test
    void theProxyFunction_getsTheResponseStoreByName_andGetPutDeleteOnItAlone() {
        JsonNode function = resources.at("/ProxyFunction/Properties");
        assertEquals("ResponseStoreTable", function.at("/Environment/Variables/" + ResponseStoreTable.ENVIRONMENT_VARIABLE).asText());

        List<JsonNode> statements = new ArrayList<>();
        function.path("Policies").forEach(policy -> policy.path("Statement").forEach(statement -> {
            if (statement.path("Resource").toString().contains("ResponseStoreTable")) statements.add(statement);
        }));
        assertEquals(1, statements.size(), "one statement names the table");
        JsonNode statement = statements.get(0);
        assertEquals("Allow", statement.get("Effect").asText());
        assertEquals("ResponseStoreTable.Arn", statement.path("Resource").asText(), "the table itself, no index, no other table");
        List<String> actions = new ArrayList<>();
        statement.get("Action").forEach(a -> actions.add(a.asText()));
        assertEquals(List.of("dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem"), actions);
    }

    @Test
    void proxyFunction_isJava21WithSnapStartOnItsAlias_runningRelaysOwnRuntimeLoop() throws IOException {
        JsonNode function = resources.at("/ProxyFunction/Properties");

        assertEquals(ProxyHandler.class.getName() + "::handleRequest", function.get("Handler").asText());
        assertEquals("java21", function.get("Runtime").asText());
        assertEquals("PublishedVersions", function.at("/SnapStart/ApplyOn").asText());
        assertEquals("live", function.path("AutoPublishAlias").asText());
        assertEquals("FunctionTimeout", function.get("Timeout").asText(), "the timeout is a parameter");
        JsonNode timeout = template.at("/Parameters/FunctionTimeout");
        assertEquals(900, timeout.get("Default").asInt(), "15 minutes, as long as the REST API streams");
        assertEquals(900, timeout.get("MaxValue").asInt());
        JsonNode env = function.at("/Environment/Variables");
        for (String name : List.of("RELAY_SECRET_ARN", "RELAY_REQUEST_LOG_TABLE", "RELAY_LOG_TTL_DAYS")) {
            assertTrue(env.has(name), name);
        }
        // the wrapper ships at the jar's root, which the Makefile unpacks into $LAMBDA_TASK_ROOT (/var/task), executable
        assertEquals("/var/task/relay-runtime", env.get("AWS_LAMBDA_EXEC_WRAPPER").asText());
        assertTrue(Files.isRegularFile(Path.of("src/main/resources/relay-runtime")));
        assertTrue(Files.readString(Path.of("../../Makefile")).contains("chmod 755 \"$(ARTIFACTS_DIR)/relay-runtime\""));
    }

    @Test
    void theApi_isARestApi_whoseEveryRouteStreamsFromTheLiveAlias() {
        List<String> types = new ArrayList<>();
        resources.forEach(r -> types.add(r.path("Type").asText()));
        assertFalse(types.contains("AWS::Serverless::HttpApi"), "HTTP APIs cannot stream");
        JsonNode api = resources.at("/RelayApi/Properties");
        assertEquals("AWS::Serverless::Api", resources.at("/RelayApi/Type").asText());
        assertEquals("REGIONAL", api.at("/EndpointConfiguration/Type").asText(), "edge-optimized endpoints cut idle streams at 30 s");
        assertTrue(api.at("/AccessLogSetting/Format").asText().contains("$context.requestId"), "access logs kept");
        JsonNode paths = api.at("/DefinitionBody/paths");
        assertEquals(List.of("/", "/{proxy+}"), fieldNames(paths), "bare paths and every path below");
        paths.forEach(path -> {
            JsonNode integration = path.at("/x-amazon-apigateway-any-method/x-amazon-apigateway-integration");
            assertEquals("aws_proxy", integration.get("type").asText());
            assertEquals("POST", integration.get("httpMethod").asText());
            assertEquals("STREAM", integration.get("responseTransferMode").asText());
            assertEquals(900000, integration.get("timeoutInMillis").asInt());
            String uri = integration.at("/uri/0").asText();
            assertTrue(uri.contains(":lambda:path/2021-11-15/functions/${AliasArn}/response-streaming-invocations"), uri);
            assertEquals("ProxyFunction.Alias", integration.at("/uri/1/AliasArn").asText(), "the SnapStart alias, not $LATEST");
        });
        JsonNode permission = resources.at("/ProxyFunctionApiPermission/Properties");
        assertEquals("ProxyFunction.Alias", permission.get("FunctionName").asText());
        assertEquals("lambda:InvokeFunction", permission.get("Action").asText());
        assertEquals("apigateway.amazonaws.com", permission.get("Principal").asText());
        assertTrue(permission.get("SourceArn").asText().contains("${RelayApi}/*"));
        assertTrue(template.at("/Outputs/ApiUrl/Value").asText().contains("${RelayApi}"));
    }

    static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
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
