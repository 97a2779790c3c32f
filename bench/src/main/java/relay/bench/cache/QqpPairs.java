package relay.bench.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Quora Question Pairs as {@code {"a", "b", "duplicate"}} lines; a pair's id is its line number from 0. */
record QqpPairs(List<Pair> pairs) {

    record Pair(int id, String a, String b, boolean duplicate) {}

    static QqpPairs read(Path file) {
        ObjectMapper json = new ObjectMapper();
        List<Pair> pairs = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.isBlank()) continue;
                JsonNode n = json.readTree(line);
                pairs.add(new Pair(pairs.size(), n.path("a").asText(), n.path("b").asText(), n.path("duplicate").asBoolean()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return new QqpPairs(List.copyOf(pairs));
    }

    int size() {
        return pairs.size();
    }

    Pair get(int i) {
        return pairs.get(i);
    }

    long duplicates() {
        return pairs.stream().filter(Pair::duplicate).count();
    }
}
