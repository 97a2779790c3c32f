package relay.forwarder;

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

/** The SAM template deploys the forwarder the code expects: stream, handler, event source, queue, exact permissions. */
class ForwarderTemplateTest {
    static JsonNode resources;

    @BeforeAll
    static void read() throws IOException {
        resources = new YAMLMapper().readTree(Path.of("../../template.yaml").toFile()).get("Resources");
    }

    @Test
    void theLogTableHasANewImageStream_asTheLocalServersTableHas() {
        var local = RequestLogTable.createRequest("t").streamSpecification();

        assertTrue(local.streamEnabled());
        assertEquals(local.streamViewTypeAsString(), resources.at("/RequestLogTable/Properties/StreamSpecification/StreamViewType").asText());
    }

    @Test
    void theFunctionRunsThisHandler_onJava21_builtByTheMakefile() throws IOException {
        JsonNode function = resources.get("LogForwarderFunction");

        assertEquals("AWS::Serverless::Function", function.get("Type").asText());
        assertEquals("makefile", function.at("/Metadata/BuildMethod").asText());
        assertEquals(LogForwarderHandler.class.getName() + "::handleRequest", function.at("/Properties/Handler").asText());
        assertEquals("java21", function.at("/Properties/Runtime").asText());
        JsonNode env = function.at("/Properties/Environment/Variables");
        for (String name : List.of("RELAY_CONFIG_PATH", "RELAY_SECRET_ARN", "RELAY_SINK_FAILURE_QUEUE_URL")) assertTrue(env.has(name), name);
        assertTrue(Files.readString(Path.of("../../Makefile")).contains("build-LogForwarderFunction:"));
    }

    @Test
    void theStreamEventSource_batchesRetriesBisectsReportsItemFailures_andFailsOverToTheQueue() {
        JsonNode source = resources.at("/LogForwarderFunction/Properties/Events/RequestLogStream");
        JsonNode p = source.get("Properties");

        assertEquals("DynamoDB", source.get("Type").asText());
        assertEquals("LATEST", p.get("StartingPosition").asText());
        assertEquals(100, p.get("BatchSize").asInt());
        assertEquals(5, p.get("MaximumBatchingWindowInSeconds").asInt());
        assertEquals(3, p.get("MaximumRetryAttempts").asInt());
        assertTrue(p.get("BisectBatchOnFunctionError").asBoolean());
        assertEquals("ReportBatchItemFailures", p.at("/FunctionResponseTypes/0").asText());
        assertEquals("SQS", p.at("/DestinationConfig/OnFailure/Type").asText());
        assertEquals("AWS::SQS::Queue", resources.at("/SinkFailureQueue/Type").asText());
    }

    @Test
    void theRole_namesExactActionsOnly() {
        List<String> actions = new ArrayList<>();
        resources.at("/LogForwarderRole/Properties/Policies").forEach(policy ->
                policy.at("/PolicyDocument/Statement").forEach(statement -> {
                    JsonNode action = statement.get("Action");
                    if (action.isArray()) action.forEach(a -> actions.add(a.asText())); else actions.add(action.asText());
                    // YAML tags are dropped: !Sub's text is the resource. Wildcards only where AWS documents them:
                    // any stream of the log table (table/<name>/stream/*), the streams of the function's log group (:*)
                    String resource = statement.get("Resource").asText();
                    assertFalse(resource.replace("${RequestLogTable.Arn}/stream/*", "")
                            .replace("log-group:${LogForwarderFunctionLogGroup}:*", "").contains("*"), "a resource wildcard in " + statement);
                }));

        assertEquals(List.of("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams",
                "sqs:SendMessage", "secretsmanager:GetSecretValue", "logs:CreateLogStream", "logs:PutLogEvents"), actions);
        assertFalse(resources.at("/LogForwarderFunction/Properties").has("Policies"),
                "no SAM policies: SAM would add the managed stream role with every resource");
        assertTrue(resources.at("/LogForwarderFunction/Properties").has("Role"));
    }
}
