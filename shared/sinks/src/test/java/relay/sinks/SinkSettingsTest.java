package relay.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import relay.core.config.ConfigException;

class SinkSettingsTest {

    @Test
    void readsLiteLlmCallbacksAndMessageLoggingSwitch_ignoringTheRestOfTheConfig() {
        SinkSettings settings = SinkSettings.parse("""
                model_list:
                  - model_name: gpt-4o
                    litellm_params: {model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY}
                litellm_settings:
                  drop_params: true
                  success_callback: ["supabase", "PostHog", "helicone"]
                  failure_callback: ["sentry", "supabase"]
                  turn_off_message_logging: true
                general_settings: {master_key: os.environ/RELAY_MASTER_KEY}
                """);

        assertEquals(List.of("supabase", "posthog", "helicone"), settings.successCallbacks());
        assertEquals(List.of("sentry", "supabase"), settings.failureCallbacks());
        assertEquals(List.of("supabase", "posthog", "helicone", "sentry"), List.copyOf(settings.names()));
        assertTrue(settings.turnOffMessageLogging());
    }

    @Test
    void noLitellmSettings_orAnEmptyFile_meansNoSinks() {
        assertTrue(SinkSettings.parse("model_list: []\n").isEmpty());
        assertTrue(SinkSettings.parse("# only comments\n").isEmpty());
        assertFalse(SinkSettings.parse("litellm_settings: {}\n").turnOffMessageLogging());
    }

    @Test
    void litellmsCallbacks_getSuccessesAndFailuresAlike() {
        SinkSettings settings = SinkSettings.parse("litellm_settings:\n  success_callback: [helicone]\n  callbacks: [posthog, otel]\n");

        assertEquals(List.of("helicone", "posthog", "otel"), settings.successCallbacks());
        assertEquals(List.of("posthog", "otel"), settings.failureCallbacks());
    }

    @Test
    void theConfigsListOfSinks_isTheSinksOwn() {
        // the config's startup check names every other callback as ignored; it must know exactly these
        assertEquals(java.util.Set.copyOf(Sinks.NAMES), relay.core.config.ConfigKeys.LOG_SINKS);
    }

    @Test
    void aSingleName_isAListOfOne() {
        assertEquals(List.of("mixpanel"), SinkSettings.parse("litellm_settings:\n  success_callback: mixpanel\n").successCallbacks());
    }

    @Test
    void aCallbackThatIsNotAName_isAConfigError() {
        assertThrows(ConfigException.class, () -> SinkSettings.parse("litellm_settings:\n  success_callback: {a: 1}\n"));
        assertThrows(ConfigException.class, () -> SinkSettings.parse("litellm_settings:\n  failure_callback: [1, {x: y}]\n"));
    }

    @Test
    void from_readsTheConfigFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, "litellm_settings:\n  failure_callback: [sentry]\n");

        assertEquals(List.of("sentry"), SinkSettings.from(file).failureCallbacks());
        assertThrows(ConfigException.class, () -> SinkSettings.from(dir.resolve("missing.yaml")));
    }

    @Test
    void routes_skipCallbacksRelayHasNoSinkFor_andKnowWhichOutcomeEachSinkWants() {
        SinkSettings settings = new SinkSettings(List.of("langfuse", "posthog", "supabase"), List.of("supabase", "sentry"), false);

        var routes = Sinks.routes(settings, Records.keys(Map.of()), Clock.systemUTC());

        assertEquals(List.of("posthog:true:false", "supabase:true:true", "sentry:false:true"),
                routes.stream().map(r -> r.sink().name() + ":" + r.onSuccess() + ":" + r.onFailure()).toList());
    }
}
