package relay.providers.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import relay.core.Json;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.ChatMessage;

/**
 * OpenAI's chat request as a Replicate prediction: the conversation flattened into one
 * {@code prompt} (Replicate's language models take text, not messages) plus sampling inputs.
 */
public final class ReplicateRequests {
    private ReplicateRequests() {}

    /** One turn of the conversation as text; {@code role} is system, user or assistant. */
    record Turn(String role, String text) {}

    /** The body of a create-prediction call. */
    public static ObjectNode prediction(ChatCompletionRequest request, ReplicateModel model, boolean stream) {
        ObjectNode body = Json.object();
        if (model.version() != null) body.put("version", model.version());
        body.set("input", input(request, model.template()));
        if (stream) body.put("stream", true);
        return body;
    }

    static ObjectNode input(ChatCompletionRequest request, ReplicateModel.Template template) {
        List<Turn> turns = turns(request.messages());
        ObjectNode input = Json.object();
        switch (template) {
            case LLAMA_2 -> input.put("prompt", llama2(turns));
            case LLAMA_3 -> input.put("prompt", llama3(turns));
            case PLAIN -> {
                String system = system(turns);
                if (!system.isEmpty()) input.put("system_prompt", system);
                input.put("prompt", plain(turns));
            }
        }
        // The prompt is already in the model's template; Replicate's default template would wrap it twice.
        if (template != ReplicateModel.Template.PLAIN) input.put("prompt_template", "{prompt}");
        Integer maxTokens = request.maxCompletionTokens() != null ? request.maxCompletionTokens() : request.maxTokens();
        if (maxTokens != null) input.put(template == ReplicateModel.Template.LLAMA_2 ? "max_new_tokens" : "max_tokens", maxTokens);
        if (request.temperature() != null) input.put("temperature", request.temperature());
        if (request.topP() != null) input.put("top_p", request.topP());
        if (request.seed() != null) input.put("seed", request.seed());
        for (String penalty : List.of("presence_penalty", "frequency_penalty")) {
            JsonNode value = request.body().get(penalty);
            if (value != null && value.isNumber()) input.set(penalty, value);
        }
        if (request.stop() != null && !request.stop().isEmpty()) input.put("stop_sequences", String.join(",", request.stop()));
        return input;
    }

    /** The messages as text turns, consecutive turns of one role merged; images and other non-text parts are refused. */
    static List<Turn> turns(List<ChatMessage> messages) {
        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage message = messages.get(i);
            JsonNode content = message.content();
            if (content != null && content.isArray()) {
                for (int j = 0; j < content.size(); j++) {
                    if (!"text".equals(content.get(j).path("type").asText())) {
                        String path = "messages[" + i + "].content[" + j + "]";
                        throw RelayException.invalid(path, "Replicate's language models take text only; '" + path
                                + "' is a " + content.get(j).path("type").asText() + " part.");
                    }
                }
            }
            String role = switch (message.role()) {
                case "system", "developer" -> "system";
                case "assistant" -> "assistant";
                default -> "user"; // user, and tool/function results, which these models read as input
            };
            int last = turns.size() - 1;
            if (last >= 0 && turns.get(last).role().equals(role)) {
                turns.set(last, new Turn(role, turns.get(last).text() + "\n\n" + message.text()));
            } else {
                turns.add(new Turn(role, message.text()));
            }
        }
        return turns;
    }

    static String system(List<Turn> turns) {
        return String.join("\n\n", turns.stream().filter(t -> t.role().equals("system")).map(Turn::text).toList());
    }

    private static List<Turn> dialog(List<Turn> turns) {
        return turns.stream().filter(t -> !t.role().equals("system")).toList();
    }

    /** Meta's Llama 2 chat template: {@code <s>[INST] <<SYS>>\n…\n<</SYS>>\n\nuser [/INST] answer </s><s>[INST] …}. */
    static String llama2(List<Turn> turns) {
        String system = system(turns);
        List<Turn> dialog = dialog(turns);
        StringBuilder prompt = new StringBuilder();
        boolean awaitingAnswer = false;
        for (int i = 0; i < dialog.size(); i++) {
            Turn turn = dialog.get(i);
            if (turn.role().equals("user")) {
                instruction(prompt, system, turn.text());
                awaitingAnswer = true;
            } else {
                if (!awaitingAnswer) instruction(prompt, system, ""); // an answer with no question before it
                prompt.append(' ').append(turn.text());
                if (i < dialog.size() - 1) prompt.append(" </s>"); // a last assistant turn is a prefix to continue
                awaitingAnswer = false;
            }
        }
        if (dialog.isEmpty()) instruction(prompt, system, "");
        return prompt.toString();
    }

    /** One {@code <s>[INST] … [/INST]}; the system prompt goes into the first. */
    private static void instruction(StringBuilder prompt, String system, String text) {
        boolean first = prompt.isEmpty();
        prompt.append("<s>[INST] ");
        if (first && !system.isEmpty()) {
            prompt.append("<<SYS>>\n").append(system).append("\n<</SYS>>\n\n");
        }
        prompt.append(text).append(" [/INST]");
    }

    /** Meta's Llama 3 instruct template, ending with an open assistant header for the model to fill. */
    static String llama3(List<Turn> turns) {
        StringBuilder prompt = new StringBuilder("<|begin_of_text|>");
        for (int i = 0; i < turns.size(); i++) {
            Turn turn = turns.get(i);
            prompt.append("<|start_header_id|>").append(turn.role()).append("<|end_header_id|>\n\n").append(turn.text().strip());
            if (i == turns.size() - 1 && turn.role().equals("assistant")) return prompt.toString(); // continue this answer
            prompt.append("<|eot_id|>");
        }
        return prompt.append("<|start_header_id|>assistant<|end_header_id|>\n\n").toString();
    }

    /**
     * For models without a known template: a single question as it is; a conversation as
     * {@code User:}/{@code Assistant:} lines ending with {@code Assistant:} for the model to complete.
     * The system prompt travels separately as {@code system_prompt}.
     */
    static String plain(List<Turn> turns) {
        List<Turn> dialog = dialog(turns);
        if (dialog.size() == 1 && dialog.get(0).role().equals("user")) return dialog.get(0).text();
        StringBuilder prompt = new StringBuilder();
        for (Turn turn : dialog) {
            if (!prompt.isEmpty()) prompt.append('\n');
            prompt.append(turn.role().equals("assistant") ? "Assistant: " : "User: ").append(turn.text());
        }
        if (dialog.isEmpty() || !dialog.get(dialog.size() - 1).role().equals("assistant")) {
            prompt.append(prompt.isEmpty() ? "" : "\n").append("Assistant:");
        }
        return prompt.toString();
    }
}
