package relay.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import relay.core.config.ConfigException;

class CacheSettingsTest {

    @SuppressWarnings("unchecked")
    private static CacheSettings parse(String litellmSettingsYaml) throws Exception {
        Map<String, Object> settings = new ObjectMapper(new YAMLFactory()).readValue(litellmSettingsYaml, Map.class);
        return CacheSettings.from(settings);
    }

    @Test
    void noSettings_noCacheKey_orCacheFalse_isOff() throws Exception {
        assertSame(CacheSettings.OFF, CacheSettings.from(null));
        assertSame(CacheSettings.OFF, CacheSettings.from(Map.of()));
        assertSame(CacheSettings.OFF, parse("cache: false\ncache_params: {type: dynamodb-semantic}"));
        assertFalse(CacheSettings.OFF.enabled());
    }

    @Test
    void cacheTrueWithoutParams_isExactWithTheDefaults() throws Exception {
        CacheSettings s = parse("cache: true");
        assertTrue(s.enabled());
        assertFalse(s.semantic());
        assertEquals(Duration.ofSeconds(3600), s.ttl());
        assertNull(s.similarityThreshold(), "null: the semantic judge's tuned default");
        assertNull(s.embeddingModel(), "null: the in-process embedder");
        assertFalse(s.defaultOff());
    }

    @Test
    void dynamodb_isExactOnly_dynamodbSemantic_isExactAndSemantic() throws Exception {
        assertFalse(parse("cache: true\ncache_params: {type: dynamodb}").semantic());
        CacheSettings s = parse("""
                cache: true
                cache_params:
                  type: dynamodb-semantic
                  similarity_threshold: 0.85
                  ttl: 600
                  embedding_model: text-embedding-3-small
                  namespace: team-a
                """);
        assertTrue(s.enabled());
        assertTrue(s.semantic());
        assertEquals(0.85, s.similarityThreshold());
        assertEquals(Duration.ofMinutes(10), s.ttl());
        assertEquals("text-embedding-3-small", s.embeddingModel());
        assertEquals("team-a", s.namespace());
        assertEquals("dynamodb-semantic", s.type());
    }

    @Test
    void aLiteLlmFileWorksUnchanged_itsBackendsAreServedByDynamoDb() throws Exception {
        CacheSettings redisSemantic = parse("""
                cache: true
                cache_params:
                  type: redis-semantic
                  similarity_threshold: 0.8
                  redis_semantic_cache_embedding_model: azure-embedding-model
                """);
        assertTrue(redisSemantic.semantic());
        assertEquals("azure-embedding-model", redisSemantic.embeddingModel());
        assertTrue(parse("cache: true\ncache_params: {type: qdrant-semantic, qdrant_semantic_cache_embedding_model: e}").semantic());
        assertFalse(parse("cache: true\ncache_params: {type: redis, host: localhost, port: 6379}").semantic());
        assertFalse(parse("cache: true\ncache_params: {type: local}").semantic());
    }

    @Test
    void defaultOffMode_isRead() throws Exception {
        assertTrue(parse("cache: true\ncache_params: {mode: default_off}").defaultOff());
        assertFalse(parse("cache: true\ncache_params: {mode: default_on}").defaultOff());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "cache: yes-please",
            "cache: true\ncache_params: [1]",
            "cache: true\ncache_params: {type: memcached}",
            "cache: true\ncache_params: {similarity_threshold: 1.5}",
            "cache: true\ncache_params: {similarity_threshold: high}",
            "cache: true\ncache_params: {ttl: 0}",
            "cache: true\ncache_params: {ttl: -5}",
            "cache: true\ncache_params: {mode: sometimes}"})
    void invalidSettings_areAConfigErrorNamingTheField(String yaml) {
        ConfigException e = assertThrows(ConfigException.class, () -> parse(yaml));
        assertTrue(e.getMessage().startsWith("litellm_settings.cache"), e.getMessage());
    }

    @Test
    void theTwoValues_canBePassedOnTheirOwn() {
        assertSame(CacheSettings.OFF, CacheSettings.from(null, null));
        assertTrue(CacheSettings.from(Boolean.TRUE, Map.of("type", "dynamodb-semantic")).semantic());
        assertFalse(CacheSettings.from(Boolean.TRUE, null).semantic());
    }

    @Test
    void aNullEmbeddingModel_meansTheInProcessEmbedder() {
        Map<String, Object> params = new HashMap<>();
        params.put("type", "dynamodb-semantic");
        params.put("embedding_model", null);
        assertNull(CacheSettings.from(Map.of("cache", true, "cache_params", params)).embeddingModel());
    }
}
