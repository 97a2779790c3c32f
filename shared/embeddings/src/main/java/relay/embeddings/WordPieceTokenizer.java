package relay.embeddings;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * BERT's uncased WordPiece tokenizer in plain Java, reading the vocabulary of a Hugging Face
 * {@code tokenizer.json} ({@code BertNormalizer} with lowercasing and accent stripping,
 * {@code BertPreTokenizer}, {@code WordPiece} with the {@code ##} prefix, {@code [CLS] … [SEP]}),
 * giving the same ids as the Hugging Face tokenizer for the models that use that setup
 * (all-MiniLM-L6-v2, bge-small-en-v1.5). Immutable and thread-safe.
 *
 * <p>Plain Java instead of the Rust tokenizer through DJL: no native library to ship for each
 * platform, nothing extracted under the home directory (read-only on Lambda), no second runtime.
 */
final class WordPieceTokenizer {
    static final int MAX_INPUT_CHARS_PER_WORD = 100;

    private final Map<String, Integer> vocab;
    private final int clsId;
    private final int sepId;
    private final int unkId;

    /** {@code vocab} is kept as it is: the caller hands it over and no longer changes it. */
    WordPieceTokenizer(Map<String, Integer> vocab) {
        this.vocab = vocab;
        this.clsId = id("[CLS]");
        this.sepId = id("[SEP]");
        this.unkId = id("[UNK]");
    }

    /** Reads {@code model.vocab} of a Hugging Face {@code tokenizer.json}. */
    static WordPieceTokenizer fromTokenizerJson(InputStream in) {
        Map<String, Integer> vocab = new HashMap<>(40_000);
        // 30,000 distinct field names: canonicalizing (and interning) them would cost more than the parse.
        JsonFactory factory = JsonFactory.builder().disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
                .disable(JsonFactory.Feature.INTERN_FIELD_NAMES).build();
        try (JsonParser p = factory.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) throw new IOException("tokenizer.json is not an object");
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (!field.equals("model")) {
                    p.skipChildren();
                    continue;
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String modelField = p.currentName();
                    p.nextToken();
                    if (modelField.equals("vocab") && p.currentToken() == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String piece = p.currentName();
                            p.nextToken();
                            vocab.put(piece, p.getIntValue());
                        }
                    } else {
                        p.skipChildren();
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tokenizer.json", e);
        }
        if (vocab.isEmpty()) throw new IllegalArgumentException("tokenizer.json has no model.vocab");
        return new WordPieceTokenizer(vocab);
    }

    int clsId() {
        return clsId;
    }

    int sepId() {
        return sepId;
    }

    /** The word-piece ids of {@code text}, without {@code [CLS]}/{@code [SEP]}. */
    List<Integer> wordPieceIds(String text) {
        List<Integer> ids = new ArrayList<>(Math.min(text.length(), 4096) / 3 + 8);
        for (String word : preTokenize(normalize(text))) wordPiece(word, ids);
        return ids;
    }

    /**
     * {@code [CLS]} + the text's word pieces + {@code [SEP]}, at most {@code maxTokens} in all. A longer
     * text keeps its first quarter and its last three quarters of the budget (the end of a prompt is
     * usually the question itself, so two long prompts that share a preamble are told apart).
     */
    long[] encode(String text, int maxTokens) {
        if (maxTokens < 3) throw new IllegalArgumentException("maxTokens must be at least 3");
        int budget = maxTokens - 2;
        int headBudget = budget / 4;
        int tailBudget = budget - headBudget;
        // Tokenizing megabytes to keep a few hundred pieces is waste: past a generous window of
        // characters, only the two ends are tokenized (no piece is shorter than a character).
        int window = 16 * maxTokens;
        List<Integer> head;
        List<Integer> tail;
        if (text.length() > 2 * window + 2) {
            head = wordPieceIds(text.substring(0, cutBefore(text, window)));
            tail = wordPieceIds(text.substring(cutAfter(text, text.length() - window)));
        } else {
            List<Integer> all = wordPieceIds(text);
            if (all.size() <= budget) return frame(all, List.of());
            head = all.subList(0, headBudget);
            tail = all.subList(all.size() - tailBudget, all.size());
        }
        if (head.size() > headBudget) head = head.subList(0, headBudget);
        if (tail.size() > tailBudget) tail = tail.subList(tail.size() - tailBudget, tail.size());
        return frame(head, tail);
    }

    private long[] frame(List<Integer> head, List<Integer> tail) {
        long[] ids = new long[head.size() + tail.size() + 2];
        int i = 0;
        ids[i++] = clsId;
        for (int id : head) ids[i++] = id;
        for (int id : tail) ids[i++] = id;
        ids[i] = sepId;
        return ids;
    }

    /** An index at most {@code limit} that does not split a surrogate pair or a word, where it can. */
    private static int cutBefore(String text, int limit) {
        for (int i = limit; i > limit - 64 && i > 0; i--) if (Character.isWhitespace(text.charAt(i))) return i;
        return Character.isLowSurrogate(text.charAt(limit)) ? limit - 1 : limit;
    }

    private static int cutAfter(String text, int from) {
        for (int i = from; i < from + 64 && i < text.length(); i++) if (Character.isWhitespace(text.charAt(i))) return i;
        return Character.isLowSurrogate(text.charAt(from)) ? from + 1 : from;
    }

    // ---- BertNormalizer: clean text, pad CJK ideographs, strip accents, lowercase ----

    static String normalize(String text) {
        StringBuilder cleaned = new StringBuilder(text.length() + 16);
        boolean needsNfd = false;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) continue;
            if (isWhitespace(cp)) {
                cleaned.append(' ');
            } else if (isChineseChar(cp)) {
                cleaned.append(' ').appendCodePoint(cp).append(' ');
            } else {
                if (cp >= 0x80) needsNfd = true;
                cleaned.appendCodePoint(cp);
            }
        }
        String s = cleaned.toString();
        if (needsNfd) {
            String nfd = Normalizer.normalize(s, Normalizer.Form.NFD);
            StringBuilder stripped = new StringBuilder(nfd.length());
            for (int i = 0; i < nfd.length(); ) {
                int cp = nfd.codePointAt(i);
                i += Character.charCount(cp);
                if (Character.getType(cp) != Character.NON_SPACING_MARK) stripped.appendCodePoint(cp);
            }
            s = stripped.toString();
        }
        return lowercase(s);
    }

    /** Character by character, as Rust's {@code char::to_lowercase} (no final-sigma rule, İ becomes i + dot). */
    private static String lowercase(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            if (cp < 0x80) {
                char c = (char) cp;
                if (c >= 'A' && c <= 'Z') {
                    if (out == null) out = new StringBuilder(s.length()).append(s, 0, i);
                    out.append((char) (c + 32));
                } else if (out != null) {
                    out.append(c);
                }
            } else {
                String lower = s.substring(i, i + n).toLowerCase(Locale.ROOT);
                if (out == null && !lower.equals(s.substring(i, i + n))) out = new StringBuilder(s.length()).append(s, 0, i);
                if (out != null) out.append(lower);
            }
            i += n;
        }
        return out == null ? s : out.toString();
    }

    /** Rust's {@code char::is_whitespace} (the Unicode White_Space property), plus tab, CR, LF. */
    static boolean isWhitespace(int cp) {
        return switch (cp) {
            case '\t', '\n', 0x0B, 0x0C, '\r', ' ', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000 -> true;
            default -> cp >= 0x2000 && cp <= 0x200A;
        };
    }

    /** Unicode "Other" categories (Cc, Cf, Cs, Co, Cn), except tab, CR and LF. */
    static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                    Character.UNASSIGNED -> true;
            default -> false;
        };
    }

    static boolean isChineseChar(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** ASCII punctuation (which includes symbols such as $ + < = > ^ ` | ~) or a Unicode P* character. */
    static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126)) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    // ---- BertPreTokenizer: split on whitespace, every punctuation character a word of its own ----

    static List<String> preTokenize(String normalized) {
        List<String> words = new ArrayList<>();
        int start = -1;
        for (int i = 0; i < normalized.length(); ) {
            int cp = normalized.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (isWhitespace(cp)) {
                if (start >= 0) words.add(normalized.substring(start, i));
                start = -1;
            } else if (isPunctuation(cp)) {
                if (start >= 0) words.add(normalized.substring(start, i));
                words.add(normalized.substring(i, next));
                start = -1;
            } else if (start < 0) {
                start = i;
            }
            i = next;
        }
        if (start >= 0) words.add(normalized.substring(start));
        return words;
    }

    // ---- WordPiece: greedy longest match first; a word with no full cover is [UNK] ----

    private void wordPiece(String word, List<Integer> out) {
        if (word.codePointCount(0, word.length()) > MAX_INPUT_CHARS_PER_WORD) {
            out.add(unkId);
            return;
        }
        int mark = out.size();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer found = null;
            while (start < end) {
                String piece = start == 0 ? word.substring(0, end) : "##" + word.substring(start, end);
                found = vocab.get(piece);
                if (found != null) break;
                end = word.offsetByCodePoints(end, -1);
            }
            if (found == null) {
                out.subList(mark, out.size()).clear();
                out.add(unkId);
                return;
            }
            out.add(found);
            start = end;
        }
    }

    private int id(String token) {
        Integer id = vocab.get(token);
        if (id == null) throw new IllegalArgumentException("vocabulary has no " + token);
        return id;
    }
}
