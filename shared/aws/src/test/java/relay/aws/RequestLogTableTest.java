package relay.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;

/** The request-log table Relay creates locally is the one the SAM template deploys. */
class RequestLogTableTest {

    @Test
    void createRequestMatchesTheSamTemplate() throws IOException {
        JsonNode table = samTemplate().path("Resources").path("RequestLogTable");
        assertEquals("AWS::DynamoDB::Table", table.path("Type").asText());
        JsonNode properties = table.path("Properties");
        CreateTableRequest request = RequestLogTable.createRequest("t");

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
        assertEquals(List.of(RequestLogTable.PARTITION_KEY + ":HASH"), templateKeys);
        assertTrue(properties.path("GlobalSecondaryIndexes").isMissingNode() && !request.hasGlobalSecondaryIndexes(),
                "neither declares indexes");

        JsonNode ttl = properties.path("TimeToLiveSpecification");
        var spec = RequestLogTable.timeToLiveRequest("t").timeToLiveSpecification();
        assertEquals(ttl.path("AttributeName").asText(), spec.attributeName());
        assertEquals(RequestLogTable.TTL_ATTRIBUTE, spec.attributeName());
        assertEquals(ttl.path("Enabled").asBoolean(), spec.enabled());
        assertTrue(spec.enabled());
    }

    private static JsonNode samTemplate() throws IOException {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path template = dir.resolve("template.yaml");
            if (Files.isRegularFile(template)) return new ObjectMapper(new YAMLFactory()).readTree(template.toFile());
        }
        throw new IllegalStateException("template.yaml not found above " + Path.of("").toAbsolutePath());
    }
}
