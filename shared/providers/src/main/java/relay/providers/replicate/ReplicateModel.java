package relay.providers.replicate;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which Replicate endpoint runs a model, and which chat template its prompt needs.
 * {@code owner/name} is an official model ({@code POST /models/owner/name/predictions});
 * {@code owner/name:version} a pinned version ({@code POST /predictions} with {@code version});
 * {@code deployments/owner/name} a deployment ({@code POST /deployments/owner/name/predictions}).
 *
 * @param createPath the path under the API base that creates a prediction
 * @param version    the version id to send in the body, or null
 * @param template   how the conversation becomes a prompt
 */
public record ReplicateModel(String createPath, String version, Template template) {

    public enum Template { LLAMA_2, LLAMA_3, PLAIN }

    public static ReplicateModel parse(String model) {
        int colon = model.indexOf(':');
        String name = colon < 0 ? model : model.substring(0, colon);
        Template template = templateFor(name);
        if (colon >= 0) return new ReplicateModel("/predictions", model.substring(colon + 1), template);
        if (name.startsWith("deployments/")) return new ReplicateModel("/" + name + "/predictions", null, template);
        if (name.contains("/")) return new ReplicateModel("/models/" + name + "/predictions", null, template);
        return new ReplicateModel("/predictions", name, template); // a bare version id
    }

    /** "llama-3…"/"llama3…" as a word of its own: not "codellama-34b", not "llama-30b". */
    private static final Pattern LLAMA_3 = Pattern.compile("(?<![a-z])llama-?3(?![0-9])");
    private static final Pattern LLAMA_2 = Pattern.compile("(?<![a-z])llama-?2(?![0-9])");

    /** Llama 2 and Llama 3 models get Meta's own chat templates; every other model a plain prompt. */
    static Template templateFor(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (LLAMA_3.matcher(lower).find()) return Template.LLAMA_3;
        if (LLAMA_2.matcher(lower).find()) return Template.LLAMA_2;
        return Template.PLAIN;
    }
}
