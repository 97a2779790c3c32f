package relay.core.access;

import java.math.BigDecimal;
import java.time.Duration;
import relay.core.config.ConfigException;
import relay.core.config.RelayConfig;

/**
 * The virtual keys' settings from config.yaml.
 *
 * @param keyCacheTtl      how long an instance trusts a key's (and team's) record it has read:
 *                         {@code general_settings.user_api_key_cache_ttl} seconds, 10 by default. A
 *                         blocked, changed or deleted key takes effect on other instances within it.
 * @param maxEndUserBudget {@code litellm_settings.max_end_user_budget}: USD each end user (a request's
 *                         {@code user}) may spend through virtual keys; null for no limit
 */
public record AccessSettings(Duration keyCacheTtl, BigDecimal maxEndUserBudget) {
    public static final Duration DEFAULT_KEY_CACHE_TTL = Duration.ofSeconds(10);
    public static final AccessSettings DEFAULTS = new AccessSettings(DEFAULT_KEY_CACHE_TTL, null);

    public static AccessSettings from(RelayConfig config) {
        Object ttl = config.generalSettings().userApiKeyCacheTtl();
        Duration cacheTtl = DEFAULT_KEY_CACHE_TTL;
        if (ttl != null) {
            if (!(ttl instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() > 3600) {
                throw new ConfigException("general_settings.user_api_key_cache_ttl", "must be a number of seconds from 0 to 3600");
            }
            cacheTtl = Duration.ofMillis((long) (n.doubleValue() * 1000));
        }
        Object budget = config.litellmSettings().maxEndUserBudget();
        BigDecimal endUser = null;
        if (budget != null) {
            if (!(budget instanceof Number n) || n.doubleValue() < 0) {
                throw new ConfigException("litellm_settings.max_end_user_budget", "must be a number of USD, 0 or more");
            }
            endUser = new BigDecimal(n.toString());
        }
        return new AccessSettings(cacheTtl, endUser);
    }
}
