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
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.aws.RequestLogTable;
import relay.aws.responses.ResponseStoreTable;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;

/**
 * The SAM template and the code agree: same table, same handler, same settings; least privilege; and the
 * deploy's safeguards: API throttling, reserved concurrency, data kept on delete, logs and streams as exact grants.
 */
class TemplateTest {
    static final Path TEMPLATE = Path.of("../../template.yaml");
    static JsonNode template;
    static JsonNode resources;

    @BeforeAll
    static void read() throws IOException {
        template = new YAMLMapper().readTree(TEMPLATE.toFile());
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
        resources.at("/ProxyFunctionRole/Properties").path("Policies").forEach(policy -> policy.at("/PolicyDocument/Statement").forEach(statement -> {
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

    /** Every statement of every policy in the template: SAM's {@code Policies} and IAM roles' inline policies. */
    static List<JsonNode> statements(JsonNode resource) {
        List<JsonNode> statements = new ArrayList<>();
        resource.path("Properties").path("Policies").forEach(policy -> {
            policy.path("Statement").forEach(statements::add); // SAM: the policy document itself
            policy.path("PolicyDocument").path("Statement").forEach(statements::add); // IAM role: named documents
        });
        return statements;
    }

    static List<String> actions(JsonNode statement) {
        List<String> actions = new ArrayList<>();
        JsonNode action = statement.get("Action");
        if (action.isArray()) action.forEach(a -> actions.add(a.asText()));
        else actions.add(action.asText());
        return actions;
    }

    @Test
    void policies_nameExactActions_neverWildcards() {
        List<String> actions = new ArrayList<>();
        resources.forEach(resource -> statements(resource).forEach(statement -> actions.addAll(actions(statement))));

        assertFalse(actions.isEmpty());
        actions.forEach(a -> assertFalse(a.contains("*"), "wildcard action " + a));
        assertTrue(actions.containsAll(List.of("dynamodb:PutItem", "secretsmanager:GetSecretValue")), actions.toString());
    }

    // The template as CloudFormation reads it (intrinsic functions in long form), for the deploy's safeguards.

    @Test
    void theApiStage_throttlesEveryRouteAndMethod_atARateAndBurstTheDeployerSets() throws IOException {
        JsonNode cfn = CloudFormationYaml.read(TEMPLATE);
        JsonNode api = cfn.at("/Resources/RelayApi/Properties");
        assertEquals("relay", api.get("StageName").asText());
        JsonNode settings = api.get("MethodSettings");
        assertEquals(1, settings.size(), settings.toString());
        JsonNode everyRoute = settings.get(0);
        assertEquals("/*", everyRoute.get("ResourcePath").asText());
        assertEquals("*", everyRoute.get("HttpMethod").asText());
        assertEquals(CloudFormationYaml.ref("ApiThrottlingRateLimit"), everyRoute.get("ThrottlingRateLimit"));
        assertEquals(CloudFormationYaml.ref("ApiThrottlingBurstLimit"), everyRoute.get("ThrottlingBurstLimit"));

        JsonNode rate = cfn.at("/Parameters/ApiThrottlingRateLimit");
        JsonNode burst = cfn.at("/Parameters/ApiThrottlingBurstLimit");
        for (JsonNode limit : List.of(rate, burst)) {
            assertEquals("Number", limit.get("Type").asText());
            assertTrue(limit.get("MinValue").asInt() >= 1, "0 would refuse every request");
        }
        int defaultRate = rate.get("Default").asInt();
        assertTrue(defaultRate > 0 && defaultRate < 10_000, "below the account-wide 10,000 requests per second: " + defaultRate);
        assertTrue(burst.get("Default").asInt() >= defaultRate, "a burst at least one second of the steady rate");

        // the throttled client gets a 429 in OpenAI's error format, as Relay's own rate limits answer
        JsonNode throttled = api.at("/GatewayResponses/THROTTLED");
        assertEquals("429", throttled.get("StatusCode").asText());
        String template = throttled.at("/ResponseTemplates/application~1json").asText();
        assertFalse(template.contains("$"), "a mapping template: no VTL in it");
        JsonNode error = json(template).get("error");
        assertEquals(relay.core.error.ErrorKind.RATE_LIMIT.type(), error.get("type").asText());
        assertEquals(relay.core.error.ErrorKind.RATE_LIMIT.code(), error.get("code").asText());
        assertTrue(error.get("param").isNull());
        assertFalse(error.get("message").asText().isBlank());
    }

    @Test
    void reservedConcurrency_isAParameter_whoseZeroLeavesTheFunctionUnreserved() throws IOException {
        JsonNode cfn = CloudFormationYaml.read(TEMPLATE);
        JsonNode parameter = cfn.at("/Parameters/ReservedConcurrency");
        assertEquals("Number", parameter.get("Type").asText());
        assertEquals(0, parameter.get("Default").asInt(), "unreserved unless the deployer asks");
        assertEquals(0, parameter.get("MinValue").asInt());

        // Lambda's reserved concurrency 0 would stop the function: 0 here means "no reservation" instead
        assertEquals(json("""
                {"Fn::Not": [{"Fn::Equals": [{"Ref": "ReservedConcurrency"}, "0"]}]}"""), cfn.at("/Conditions/HasReservedConcurrency"));
        assertEquals(json("""
                {"Fn::If": ["HasReservedConcurrency", {"Ref": "ReservedConcurrency"}, {"Ref": "AWS::NoValue"}]}"""),
                cfn.at("/Resources/ProxyFunction/Properties/ReservedConcurrentExecutions"));
    }

    @Test
    void theSecretTheTablesAndTheQueue_outliveTheStack_andTheFixedNameLogGroupsGoWithIt() throws IOException {
        JsonNode cfnResources = CloudFormationYaml.read(TEMPLATE).get("Resources");
        List<String> stateful = new ArrayList<>();
        List<String> logGroups = new ArrayList<>();
        cfnResources.fields().forEachRemaining(entry -> {
            JsonNode resource = entry.getValue();
            switch (resource.get("Type").asText()) {
                case "AWS::SecretsManager::Secret", "AWS::DynamoDB::Table", "AWS::SQS::Queue" -> {
                    stateful.add(entry.getKey());
                    assertEquals("Retain", resource.path("DeletionPolicy").asText(), entry.getKey());
                    assertEquals("Retain", resource.path("UpdateReplacePolicy").asText(), entry.getKey());
                    for (String name : List.of("Name", "TableName", "QueueName")) {
                        assertFalse(resource.path("Properties").has(name), entry.getKey()
                                + ": a generated name, so a new stack of the same name does not collide with what was kept");
                    }
                }
                case "AWS::Logs::LogGroup" -> {
                    logGroups.add(entry.getKey());
                    assertEquals("Delete", resource.path("DeletionPolicy").asText(), entry.getKey());
                    assertEquals("Delete", resource.path("UpdateReplacePolicy").asText(), entry.getKey());
                }
                default -> { }
            }
        });
        assertEquals(List.of("RelaySecret", "RequestLogTable", "ResponseCacheTable", "AccessTable", "ResponseStoreTable", "SinkFailureQueue"), stateful);
        assertEquals(List.of("ProxyFunctionLogGroup", "ApiAccessLogGroup", "LogForwarderFunctionLogGroup"), logGroups);
    }

    @Test
    void eachFunction_writesLogsToItsOwnLogGroupOnly_throughARoleWithoutManagedPolicies() throws IOException {
        JsonNode cfnResources = CloudFormationYaml.read(TEMPLATE).get("Resources");
        Map<String, String> roles = Map.of("ProxyFunction", "ProxyFunctionRole", "LogForwarderFunction", "LogForwarderRole");
        roles.forEach((functionName, roleName) -> {
            JsonNode function = cfnResources.at("/" + functionName + "/Properties");
            assertEquals(CloudFormationYaml.getAtt(roleName, "Arn"), function.get("Role"), functionName);
            assertFalse(function.has("Policies"), functionName + ": SAM would add AWSLambdaBasicExecutionRole, logs on every group");
            String logGroup = function.at("/LoggingConfig/LogGroup/Ref").asText();
            assertEquals("AWS::Logs::LogGroup", cfnResources.at("/" + logGroup + "/Type").asText(), functionName);

            JsonNode role = cfnResources.get(roleName);
            assertEquals("AWS::IAM::Role", role.get("Type").asText());
            assertFalse(role.path("Properties").has("ManagedPolicyArns"), roleName);
            List<JsonNode> logs = statements(role).stream().filter(s -> actions(s).stream().anyMatch(a -> a.startsWith("logs:"))).toList();
            assertEquals(1, logs.size(), roleName);
            assertEquals(List.of("logs:CreateLogStream", "logs:PutLogEvents"), actions(logs.get(0)), "the group exists: no CreateLogGroup");
            String arn = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:${" + logGroup + "}:*";
            assertEquals(CloudFormationYaml.sub(arn), logs.get(0).get("Resource"), roleName);

            // what the runtime writes to is a stream of that group; another function's group is not covered
            String granted = arn.replace("${AWS::Partition}", "aws").replace("${AWS::Region}", "us-east-1")
                    .replace("${AWS::AccountId}", "123456789012").replace("${" + logGroup + "}", "/aws/lambda/relay-proxy");
            assertTrue(iamMatches(granted, "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/relay-proxy:log-stream:2025/05/01/[$LATEST]0123abcd"));
            assertFalse(iamMatches(granted, "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/relay-proxy-other:log-stream:x"));
        });
    }

    /** IAM's resource matching: {@code *} any run of characters, {@code ?} one; everything else literal. */
    static boolean iamMatches(String pattern, String arn) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            regex.append(c == '*' ? ".*" : c == '?' ? "." : java.util.regex.Pattern.quote(String.valueOf(c)));
        }
        return arn.matches(regex.toString());
    }

    @Test
    void theForwarder_readsTheLogStreamAsAwsDocumentsIt_andIsInvokedForNewRecordsOnly() throws IOException {
        JsonNode cfnResources = CloudFormationYaml.read(TEMPLATE).get("Resources");
        List<JsonNode> stream = statements(cfnResources.get("LogForwarderRole")).stream()
                .filter(s -> actions(s).stream().anyMatch(a -> a.startsWith("dynamodb:"))).toList();
        assertEquals(1, stream.size());
        // AWS's policy for a function reading a table's stream: these four actions on table/<name>/stream/*
        assertEquals(List.of("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"),
                actions(stream.get(0)));
        assertEquals(CloudFormationYaml.sub("${RequestLogTable.Arn}/stream/*"), stream.get(0).get("Resource"));
        String tableArn = "arn:aws:dynamodb:us-east-1:123456789012:table/relay-RequestLogTable-ABC";
        assertTrue(iamMatches(tableArn + "/stream/*", tableArn + "/stream/2025-05-01T12:00:00.000"), "the table's stream");
        assertFalse(iamMatches(tableArn + "/stream/*", tableArn), "not the table");

        JsonNode source = cfnResources.at("/LogForwarderFunction/Properties/Events/RequestLogStream/Properties");
        assertEquals(CloudFormationYaml.getAtt("RequestLogTable", "StreamArn"), source.get("Stream"));
        JsonNode filters = source.at("/FilterCriteria/Filters");
        assertEquals(1, filters.size(), "filters are ORed: one, so nothing else gets through");
        assertEquals(json("""
                {"eventName": ["INSERT"]}"""), json(filters.get(0).get("Pattern").asText()), "TTL deletions and updates never invoke it");
    }

    static JsonNode json(String text) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
