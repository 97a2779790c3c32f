package relay.embeddings;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** Class-path model files and the ONNX Runtime sessions that run them, set up alike for every model. */
final class OnnxModels {
    private OnnxModels() {}

    static InputStream resource(String name) {
        InputStream in = OnnxModels.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException(name + " is not on the class path: add the Maven artifact that ships it");
        }
        return in;
    }

    /**
     * A session for the class-path model {@code onnxResource}. {@code intraOpThreads} is how many threads ONNX
     * Runtime may use inside one call: 1 suits a Lambda handling one request at a time on one or two vCPUs
     * (more threads cost more to coordinate than a short prompt takes). Its threads never spin.
     */
    static OrtSession session(String onnxResource, int intraOpThreads) {
        byte[] onnx;
        try (InputStream in = resource(onnxResource)) {
            onnx = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + onnxResource, e);
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Math.max(1, intraOpThreads));
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.addConfigEntry("session.inter_op.allow_spinning", "0");
            return OrtEnvironment.getEnvironment().createSession(onnx, options);
        } catch (OrtException e) {
            throw new IllegalStateException("cannot load the ONNX model " + onnxResource, e);
        }
    }
}
