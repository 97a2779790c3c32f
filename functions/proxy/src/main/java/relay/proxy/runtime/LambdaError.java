package relay.proxy.runtime;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import relay.core.Json;
import relay.core.config.ConfigException;

/**
 * An error as the Runtime API takes it: the JSON body {@code errorMessage}, {@code errorType},
 * {@code stackTrace} (as AWS's own runtime client writes it), and the {@code Lambda-Runtime-Function-Error-Type}
 * category that goes in a header or, mid-stream, in a trailer.
 */
public record LambdaError(String category, String errorType, String errorMessage, String[] stackTrace) {
    /** A failure while answering an invocation (AWS's client calls it the same). */
    public static final String INVOCATION = "Runtime.UserException";
    /** The SnapStart priming before the snapshot failed. */
    public static final String BEFORE_CHECKPOINT = "Runtime.BeforeCheckpointError";
    /** A hook after a SnapStart restore failed. */
    public static final String AFTER_RESTORE = "Runtime.AfterRestoreError";

    /** Frames kept: enough to find the bug, small enough for a trailer. */
    static final int MAX_FRAMES = 40;

    public static LambdaError of(String category, Throwable error) {
        StackTraceElement[] frames = error.getStackTrace();
        String[] trace = new String[Math.min(frames.length, MAX_FRAMES)];
        for (int i = 0; i < trace.length; i++) trace[i] = frames[i].toString();
        String message = error.getMessage() == null ? error.getClass().getName() : error.getMessage();
        return new LambdaError(category, error.getClass().getName(), message, trace);
    }

    /** A failure of the init phase: a configuration error says so, anything else is an init error. */
    public static LambdaError init(Throwable error) {
        return of(error instanceof ConfigException ? "Runtime.ConfigInvalid" : "Runtime.InitError", error);
    }

    public byte[] json() {
        ObjectNode body = Json.object();
        body.put("errorMessage", errorMessage);
        body.put("errorType", errorType);
        ArrayNode trace = body.putArray("stackTrace");
        for (String frame : stackTrace) trace.add(frame);
        return Json.writeBytes(body);
    }

    /** The JSON body, base64-encoded, as the {@code Lambda-Runtime-Function-Error-Body} trailer carries it. */
    public String base64Json() {
        return Base64.getEncoder().encodeToString(json());
    }

    /** The category as a header value: printable ASCII only. */
    public String categoryHeader() {
        return category.replaceAll("[^\\x21-\\x7e]", "_");
    }
}
