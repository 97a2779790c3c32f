package relay.bench.cache;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import relay.embeddings.OnnxEmbedder;

/**
 * Writes the Quora pairs for {@code bench/train/} (the fine-tuned cross-encoder experiment), one JSON
 * line per pair: both questions as bge's token ids, the label, whether the pair is in the tuning half of
 * {@link CacheQualityBench} (the same seeded split), and the query's five nearest stored entries by bge
 * cosine with their cosines, so that the experiment judges the same candidates the cache would.
 *
 * <p>Usage: {@code PairTrainingData qqp-dev.jsonl OUT.jsonl [--reuse-vectors DIR]}.
 */
public final class PairTrainingData {
    private PairTrainingData() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: PairTrainingData qqp-dev.jsonl OUT.jsonl [--reuse-vectors DIR]");
            System.exit(2);
        }
        Path reuse = args.length > 3 && args[2].equals("--reuse-vectors") ? Path.of(args[3]) : null;
        QqpPairs pairs = QqpPairs.read(Path.of(args[0]));
        EmbeddedPairs vectors = EmbeddedPairs.embed(pairs, OnnxEmbedder.Model.BGE_SMALL_EN_V15_Q, 100, reuse);
        TopK top = TopK.search(vectors.a, vectors.b, CacheQualityBench.TOP_K);
        boolean[] tuning = CacheQualityBench.split(pairs.size());
        try (OnnxEmbedder tokens = OnnxEmbedder.load(OnnxEmbedder.Model.BGE_SMALL_EN_V15_Q);
             BufferedWriter out = Files.newBufferedWriter(Path.of(args[1]))) {
            for (int i = 0; i < pairs.size(); i++) {
                QqpPairs.Pair p = pairs.get(i);
                out.write("{\"a\":" + pieces(tokens.tokenIds(p.a())) + ",\"b\":" + pieces(tokens.tokenIds(p.b()))
                        + ",\"dup\":" + p.duplicate() + ",\"tune\":" + tuning[i]
                        + ",\"cand\":" + Arrays.toString(top.index[i]).replace(" ", "")
                        + ",\"cos\":" + Arrays.toString(top.cosine[i]).replace(" ", "") + "}\n");
            }
        }
    }

    /** The word pieces alone: the training script adds [CLS] and [SEP] around each pair. */
    private static String pieces(long[] ids) {
        return Arrays.toString(Arrays.copyOfRange(ids, 1, ids.length - 1)).replace(" ", "");
    }
}
