package relay.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A CloudFormation template as CloudFormation reads it: the YAML short forms of the intrinsic
 * functions in their JSON long form ({@code !Ref X} is {@code {"Ref": "X"}}, {@code !GetAtt A.B} is
 * {@code {"Fn::GetAtt": ["A", "B"]}}, {@code !Sub s} is {@code {"Fn::Sub": "s"}}, ...). A plain YAML
 * reader drops the tags, so it cannot tell {@code !Ref Name} from the string {@code Name}.
 */
final class CloudFormationYaml {
    private CloudFormationYaml() {}

    static JsonNode read(Path template) throws IOException {
        Yaml yaml = new Yaml(new IntrinsicFunctions());
        Object document = yaml.load(Files.readString(template));
        return new ObjectMapper().valueToTree(document);
    }

    /** {@code {"Ref": name}}, as a test compares a property with it. */
    static JsonNode ref(String name) {
        return new ObjectMapper().valueToTree(Map.of("Ref", name));
    }

    /** {@code {"Fn::GetAtt": [resource, attribute]}}. */
    static JsonNode getAtt(String resource, String attribute) {
        return new ObjectMapper().valueToTree(Map.of("Fn::GetAtt", List.of(resource, attribute)));
    }

    /** {@code {"Fn::Sub": text}}. */
    static JsonNode sub(String text) {
        return new ObjectMapper().valueToTree(Map.of("Fn::Sub", text));
    }

    private static final class IntrinsicFunctions extends SafeConstructor {
        IntrinsicFunctions() {
            super(new LoaderOptions());
            // every "!Name" tag (the YAML short form of an intrinsic function)
            yamlMultiConstructors.put("!", new AbstractConstruct() {
                @Override
                public Object construct(Node node) {
                    String name = node.getTag().getValue().substring(1);
                    Object value = switch (node) {
                        case ScalarNode scalar -> constructScalar(scalar);
                        case SequenceNode sequence -> constructSequence(sequence);
                        case MappingNode mapping -> constructMapping(mapping);
                        default -> throw new IllegalArgumentException("unexpected node " + node);
                    };
                    if (name.equals("Ref")) return Map.of("Ref", value);
                    if (name.equals("GetAtt") && value instanceof String s) {
                        int dot = s.indexOf('.');
                        return Map.of("Fn::GetAtt", List.of(s.substring(0, dot), s.substring(dot + 1)));
                    }
                    return Map.of(name.equals("Condition") ? name : "Fn::" + name, value);
                }
            });
        }
    }
}
