package relay.core.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;

class CacheControlsTest {
    private static final CacheSettings ON = new CacheSettings(true, true, 0.9, Duration.ofHours(1), null, null, false, "dynamodb-semantic");
    private static final CacheSettings DEFAULT_OFF = new CacheSettings(true, false, 0.9, Duration.ofHours(1), null, null, true, "dynamodb");

    private static CacheControls controls(String json) throws Exception {
        return CacheControls.from(Json.MAPPER.readTree(json));
    }

    @Test
    void noCacheField_changesNothing() {
        assertSame(CacheControls.NONE, CacheControls.from(null));
        assertTrue(CacheControls.NONE.lookupAllowed(ON));
        assertTrue(CacheControls.NONE.storeAllowed(ON));
        assertEquals(Duration.ofHours(1), CacheControls.NONE.ttl(ON));
    }

    @Test
    void noCache_skipsTheLookup_butStillStores() throws Exception {
        CacheControls c = controls("{\"no-cache\": true}");
        assertFalse(c.lookupAllowed(ON));
        assertTrue(c.storeAllowed(ON));
    }

    @Test
    void noStore_skipsTheWrite_butStillLooksUp() throws Exception {
        CacheControls c = controls("{\"no-store\": true}");
        assertTrue(c.lookupAllowed(ON));
        assertFalse(c.storeAllowed(ON));
    }

    @Test
    void ttl_overridesTheConfiguredTtl() throws Exception {
        assertEquals(Duration.ofSeconds(600), controls("{\"ttl\": 600}").ttl(ON));
        assertEquals(Duration.ofMillis(1500), controls("{\"ttl\": 1.5}").ttl(ON));
    }

    @Test
    void sMaxAge_acceptsOnlyYoungerEntries() throws Exception {
        CacheControls c = controls("{\"s-maxage\": 60}");
        Instant now = Instant.parse("2026-01-01T00:10:00Z");
        assertEquals(Duration.ofSeconds(60), c.sMaxAge());
        assertTrue(c.acceptsAge(now.minusSeconds(59), now));
        assertTrue(c.acceptsAge(now.minusSeconds(60), now));
        assertFalse(c.acceptsAge(now.minusSeconds(61), now));
        assertTrue(CacheControls.NONE.acceptsAge(now.minusSeconds(86_400), now));
        assertEquals(Duration.ofSeconds(5), controls("{\"s-max-age\": 5}").sMaxAge(), "LiteLLM's other spelling");
    }

    @Test
    void namespace_isTheRequestsElseTheConfigured() throws Exception {
        CacheSettings withNamespace = new CacheSettings(true, false, 0.9, Duration.ofHours(1), null, "config-ns", false, "dynamodb");
        assertEquals("mine", controls("{\"namespace\": \"mine\"}").namespace(withNamespace));
        assertEquals("config-ns", CacheControls.NONE.namespace(withNamespace));
        assertNull(CacheControls.NONE.namespace(ON));
    }

    @Test
    void defaultOffMode_needsUseCache() throws Exception {
        assertFalse(CacheControls.NONE.lookupAllowed(DEFAULT_OFF));
        assertFalse(CacheControls.NONE.storeAllowed(DEFAULT_OFF));
        CacheControls optIn = controls("{\"use-cache\": true}");
        assertTrue(optIn.lookupAllowed(DEFAULT_OFF));
        assertTrue(optIn.storeAllowed(DEFAULT_OFF));
        assertFalse(controls("{\"use-cache\": false}").lookupAllowed(ON), "use-cache: false opts out");
    }

    @Test
    void aDisabledCache_neitherLooksUpNorStores() throws Exception {
        CacheControls optIn = controls("{\"use-cache\": true}");
        assertFalse(optIn.lookupAllowed(CacheSettings.OFF));
        assertFalse(optIn.storeAllowed(CacheSettings.OFF));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"no-cache\": \"yes\"}       | cache.no-cache",
            "{\"no-store\": 1}             | cache.no-store",
            "{\"use-cache\": \"true\"}     | cache.use-cache",
            "{\"ttl\": \"600\"}            | cache.ttl",
            "{\"ttl\": 0}                  | cache.ttl",
            "{\"ttl\": -1}                 | cache.ttl",
            "{\"s-maxage\": \"10\"}        | cache.s-maxage",
            "{\"s-maxage\": -10}           | cache.s-maxage",
            "{\"namespace\": 7}            | cache.namespace",
            "true                          | cache",
            "[\"no-cache\"]                | cache"})
    void badControls_areA400NamingTheField(String json, String param) {
        RelayException e = assertThrows(RelayException.class, () -> controls(json));
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals(param, e.param());
        assertTrue(e.getMessage().contains("'" + param + "'"), e.getMessage());
    }

    @Test
    void nullValues_meanNotSet() throws Exception {
        JsonNode json = Json.MAPPER.readTree("{\"no-cache\": null, \"ttl\": null, \"s-maxage\": null, \"use-cache\": null}");
        assertEquals(CacheControls.NONE, CacheControls.from(json));
    }
}
