package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;
import relay.dynamodb.embedded.Condition.Comparator;
import relay.dynamodb.embedded.ExpressionLexer.Kind;
import relay.dynamodb.embedded.ExpressionLexer.Token;

/**
 * Recursive-descent parser for DynamoDB's condition, filter, key-condition, update and projection expressions.
 * Placeholders are resolved while parsing so undefined ones fail with DynamoDB's messages.
 *
 * <pre>
 * condition := and (OR and)*          and := not (AND not)*          not := NOT not | primary
 * primary   := '(' condition ')' | function '(' operands ')' | operand comparator operand
 *            | operand BETWEEN operand AND operand | operand IN '(' operands ')'
 * operand   := path | :value | size '(' (path | :value) ')' | '(' operand ')'
 * path      := name ('.' name | '[' digits ']')*
 * update    := (SET set (',' set)* | REMOVE path (',' path)* | ADD path :value (',' ...)* | DELETE ...)+
 * set       := path '=' value (('+' | '-') value)?
 * value     := path | :value | if_not_exists '(' path ',' value ')' | list_append '(' value ',' value ')'
 * </pre>
 */
final class ExpressionParser {
    private static final Set<String> RESERVED_WORDS = loadReservedWords();
    private static final Set<String> CONDITION_FUNCTIONS =
            Set.of("attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains", "size");
    private static final Set<String> SIZED_TYPES = Set.of("S", "B", "SS", "NS", "BS", "L", "M");
    private static final Set<String> ATTRIBUTE_TYPES =
            Set.of("S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M");

    private final String kind;
    private final String text;
    private final List<Token> tokens;
    private final ExpressionAttributes attributes;
    private int pos;

    /** A syntax error at a token; kept internal so the parser can backtrack over ambiguous parentheses. */
    private static final class SyntaxError extends RuntimeException {
        final int tokenIndex;

        SyntaxError(int tokenIndex) {
            super(null, null, false, false);
            this.tokenIndex = tokenIndex;
        }
    }

    private ExpressionParser(String kind, String text, ExpressionAttributes attributes) {
        if (text.isBlank()) {
            throw ApiException.validation("Invalid " + kind + ": The expression can not be empty;");
        }
        this.kind = kind;
        this.text = text;
        this.tokens = ExpressionLexer.tokenize(text, kind);
        this.attributes = attributes;
        attributes.expressionSeen();
    }

    static Condition condition(String kind, String text, ExpressionAttributes attributes) {
        ExpressionParser parser = new ExpressionParser(kind, text, attributes);
        return parser.run(() -> parser.parseOr());
    }

    static UpdateExpression update(String text, ExpressionAttributes attributes) {
        ExpressionParser parser = new ExpressionParser("UpdateExpression", text, attributes);
        return parser.run(parser::parseUpdate);
    }

    static List<DocumentPath> projection(String text, ExpressionAttributes attributes) {
        ExpressionParser parser = new ExpressionParser("ProjectionExpression", text, attributes);
        return parser.run(() -> {
            List<DocumentPath> paths = new ArrayList<>();
            do {
                paths.add(parser.parsePath());
            } while (parser.accept(Kind.COMMA));
            return paths;
        });
    }

    private <T> T run(Supplier<T> rule) {
        try {
            T result = rule.get();
            if (peek().kind() != Kind.EOF) {
                throw new SyntaxError(pos);
            }
            return result;
        } catch (SyntaxError e) {
            Token token = tokens.get(e.tokenIndex);
            Token previous = tokens.get(Math.max(0, e.tokenIndex - 1));
            throw ExpressionLexer.syntaxError(kind, text, token.text(), previous.start(), token.end());
        }
    }

    // ---- conditions ----

    private Condition parseOr() {
        Condition left = parseAnd();
        while (peek().isKeyword("OR")) {
            pos++;
            left = new Condition.Or(left, parseAnd());
        }
        return left;
    }

    private Condition parseAnd() {
        Condition left = parseNot();
        while (peek().isKeyword("AND")) {
            pos++;
            left = new Condition.And(left, parseNot());
        }
        return left;
    }

    private Condition parseNot() {
        if (peek().isKeyword("NOT")) {
            pos++;
            return new Condition.Not(parseNot());
        }
        return parsePrimary();
    }

    private Condition parsePrimary() {
        if (peek().kind() == Kind.LPAREN) {
            // "(" opens either a nested condition or a parenthesised operand; try the condition first.
            int start = pos;
            try {
                pos++;
                Condition inner = parseOr();
                expect(Kind.RPAREN);
                return inner;
            } catch (SyntaxError asCondition) {
                pos = start;
                try {
                    return parseComparison();
                } catch (SyntaxError asOperand) {
                    throw asCondition.tokenIndex >= asOperand.tokenIndex ? asCondition : asOperand;
                }
            }
        }
        if (peek().kind() == Kind.NAME && peekAt(1).kind() == Kind.LPAREN && !peek().text().equals("size")) {
            return parseFunction();
        }
        return parseComparison();
    }

    private Condition parseComparison() {
        Operand left = parseOperand();
        Comparator comparator = comparator(peek().kind());
        if (comparator != null) {
            pos++;
            return new Condition.Compare(left, comparator, parseOperand());
        }
        if (peek().isKeyword("BETWEEN")) {
            pos++;
            Operand low = parseOperand();
            expectKeyword("AND");
            Operand high = parseOperand();
            checkBetweenBounds(low, high);
            return new Condition.Between(left, low, high);
        }
        if (peek().isKeyword("IN")) {
            pos++;
            expect(Kind.LPAREN);
            List<Operand> candidates = new ArrayList<>();
            do {
                candidates.add(parseOperand());
            } while (accept(Kind.COMMA));
            expect(Kind.RPAREN);
            if (candidates.size() > 100) {
                throw ApiException.validation("Invalid " + kind + ": The IN operator is provided with too many "
                        + "operands; number of operands: " + candidates.size());
            }
            return new Condition.In(left, candidates);
        }
        throw new SyntaxError(pos);
    }

    private void checkBetweenBounds(Operand low, Operand high) {
        if (low instanceof Operand.Value l && high instanceof Operand.Value h) {
            String lowType = AttributeValues.type(l.value());
            String highType = AttributeValues.type(h.value());
            String bounds = "lower bound operand: AttributeValue: {" + lowType + ":" + AttributeValues.value(l.value())
                    .asText() + "}, upper bound operand: AttributeValue: {" + highType + ":"
                    + AttributeValues.value(h.value()).asText() + "}";
            if (!lowType.equals(highType)) {
                throw ApiException.validation("Invalid " + kind + ": The BETWEEN operator requires same data type "
                        + "for lower and upper bounds; " + bounds);
            }
            Integer order = AttributeValues.compare(l.value(), h.value());
            if (order != null && order > 0) {
                throw ApiException.validation("Invalid " + kind + ": The BETWEEN operator requires upper bound to "
                        + "be greater than or equal to lower bound; " + bounds);
            }
        }
    }

    private Condition parseFunction() {
        String name = next().text();
        List<Operand> arguments = parseArguments();
        int expected = switch (name) {
            case "attribute_exists", "attribute_not_exists" -> 1;
            case "attribute_type", "begins_with", "contains" -> 2;
            default -> throw ApiException.validation("Invalid " + kind + ": Invalid function name; function: " + name);
        };
        if (arguments.size() != expected) {
            throw ApiException.validation("Invalid " + kind + ": Incorrect number of operands for operator or "
                    + "function; operator or function: " + name + ", number of operands: " + arguments.size());
        }
        if (expected == 1 && !(arguments.get(0) instanceof Operand.Path)) {
            throw ApiException.validation("Invalid " + kind + ": Operator or function requires a document path; "
                    + "operator or function: " + name);
        }
        if (name.equals("begins_with")) {
            arguments.forEach(argument -> requireType(argument, name, Set.of("S", "B")));
        }
        if (name.equals("attribute_type")) {
            JsonNode type = arguments.get(1) instanceof Operand.Value v ? v.value() : null;
            if (type == null || !"S".equals(AttributeValues.type(type))) {
                throw ApiException.validation("Invalid " + kind + ": Incorrect operand type for operator or "
                        + "function; operator or function: attribute_type, operand type: "
                        + (type == null ? "PATH" : AttributeValues.typeName(AttributeValues.type(type))));
            }
            if (!ATTRIBUTE_TYPES.contains(type.get("S").asText())) {
                throw ApiException.validation("Invalid " + kind + ": Invalid attribute type name found; type: "
                        + type.get("S").asText() + ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
            }
        }
        return new Condition.Function(name, arguments);
    }

    /**
     * DynamoDB checks the type of an expression attribute value given to an operator or function when it parses
     * the expression: the wrong type is a ValidationException, not a failed condition. Values read from the item
     * are only checked when the expression is evaluated.
     */
    private void requireType(Operand operand, String operator, Set<String> types) {
        if (operand instanceof Operand.Value value && !types.contains(AttributeValues.type(value.value()))) {
            throw ApiException.validation("Invalid " + kind + ": Incorrect operand type for operator or function; "
                    + "operator or function: " + operator + ", operand type: " + AttributeValues.type(value.value()));
        }
    }

    private List<Operand> parseArguments() {
        expect(Kind.LPAREN);
        List<Operand> arguments = new ArrayList<>();
        do {
            arguments.add(parseOperand());
        } while (accept(Kind.COMMA));
        expect(Kind.RPAREN);
        return arguments;
    }

    private Operand parseOperand() {
        Token token = peek();
        if (token.kind() == Kind.LPAREN) {
            pos++;
            Operand inner = parseOperand();
            expect(Kind.RPAREN);
            return inner;
        }
        if (token.kind() == Kind.ATTRIBUTE_VALUE) {
            pos++;
            return new Operand.Value(token.text(), attributes.value(token.text(), kind));
        }
        if (token.kind() == Kind.NAME && peekAt(1).kind() == Kind.LPAREN) {
            if (!token.text().equals("size")) {
                throw ApiException.validation("Invalid " + kind + ": " + (CONDITION_FUNCTIONS.contains(token.text())
                        ? "The function is not allowed to be used this way in an expression; function: "
                        : "Invalid function name; function: ") + token.text());
            }
            pos += 2;
            Operand target = peek().kind() == Kind.ATTRIBUTE_VALUE ? parseOperand() : new Operand.Path(parsePath());
            expect(Kind.RPAREN);
            requireType(target, "size", SIZED_TYPES);
            return new Operand.Size(target);
        }
        return new Operand.Path(parsePath());
    }

    // ---- paths ----

    private DocumentPath parsePath() {
        List<Object> elements = new ArrayList<>();
        elements.add(parsePathName());
        while (true) {
            if (accept(Kind.DOT)) {
                elements.add(parsePathName());
            } else if (accept(Kind.LBRACKET)) {
                Token index = expect(Kind.NUMBER);
                expect(Kind.RBRACKET);
                try {
                    elements.add(Integer.parseInt(index.text()));
                } catch (NumberFormatException e) {
                    throw new SyntaxError(pos - 2);
                }
            } else {
                return new DocumentPath(List.copyOf(elements));
            }
        }
    }

    private String parsePathName() {
        Token token = next();
        if (token.kind() == Kind.ATTRIBUTE_NAME) {
            return attributes.name(token.text(), kind);
        }
        if (token.kind() != Kind.NAME || !Character.isLetter(token.text().charAt(0))) {
            throw new SyntaxError(pos - 1);
        }
        if (RESERVED_WORDS.contains(token.text().toUpperCase(Locale.ROOT))) {
            throw ApiException.validation("Invalid " + kind + ": Attribute name is a reserved keyword; "
                    + "reserved keyword: " + token.text());
        }
        return token.text();
    }

    // ---- update expressions ----

    private UpdateExpression parseUpdate() {
        List<UpdateExpression.Action> sets = new ArrayList<>();
        List<DocumentPath> removes = new ArrayList<>();
        List<UpdateExpression.Action> adds = new ArrayList<>();
        List<UpdateExpression.Action> deletes = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        do {
            Token clause = next();
            String name = clause.kind() == Kind.NAME ? clause.text().toUpperCase(Locale.ROOT) : "";
            if (!Set.of("SET", "REMOVE", "ADD", "DELETE").contains(name)) {
                throw new SyntaxError(pos - 1);
            }
            if (!seen.add(name)) {
                throw ApiException.validation("Invalid UpdateExpression: The \"" + name
                        + "\" section can only be used once in an update expression;");
            }
            do {
                switch (name) {
                    case "SET" -> {
                        DocumentPath path = parsePath();
                        expect(Kind.EQ);
                        sets.add(new UpdateExpression.Action(path, parseSetValue()));
                    }
                    case "REMOVE" -> removes.add(parsePath());
                    case "ADD" -> adds.add(parseAddOrDelete("ADD"));
                    default -> deletes.add(parseAddOrDelete("DELETE"));
                }
            } while (accept(Kind.COMMA));
        } while (peek().kind() != Kind.EOF);
        UpdateExpression update = new UpdateExpression(sets, removes, adds, deletes);
        List<DocumentPath> paths = update.paths();
        for (int i = 0; i < paths.size(); i++) {
            for (int j = i + 1; j < paths.size(); j++) {
                if (paths.get(i).overlaps(paths.get(j))) {
                    throw ApiException.validation("Invalid UpdateExpression: Two document paths overlap with each "
                            + "other; must remove or rewrite one of these paths; path one: " + paths.get(i)
                            + ", path two: " + paths.get(j));
                }
            }
        }
        return update;
    }

    private UpdateExpression.Action parseAddOrDelete(String clause) {
        DocumentPath path = parsePath();
        Token token = expect(Kind.ATTRIBUTE_VALUE);
        JsonNode value = attributes.value(token.text(), kind);
        String type = AttributeValues.type(value);
        boolean allowed = AttributeValues.isSet(type) || (clause.equals("ADD") && type.equals("N"));
        if (!allowed) {
            throw ApiException.validation("Invalid UpdateExpression: Incorrect operand type for operator or "
                    + "function; operator: " + clause + ", operand type: " + AttributeValues.typeName(type));
        }
        return new UpdateExpression.Action(path, new Operand.Value(token.text(), value));
    }

    private Operand parseSetValue() {
        Operand left = parseSetOperand();
        if (peek().kind() == Kind.PLUS || peek().kind() == Kind.MINUS) {
            boolean plus = next().kind() == Kind.PLUS;
            Operand right = parseSetOperand();
            requireType(left, plus ? "+" : "-", Set.of("N"));
            requireType(right, plus ? "+" : "-", Set.of("N"));
            return new Operand.Arithmetic(left, plus, right);
        }
        return left;
    }

    private Operand parseSetOperand() {
        Token token = peek();
        if (token.kind() == Kind.ATTRIBUTE_VALUE) {
            pos++;
            return new Operand.Value(token.text(), attributes.value(token.text(), kind));
        }
        if (token.kind() == Kind.LPAREN) {
            pos++;
            Operand inner = parseSetValue();
            expect(Kind.RPAREN);
            return inner;
        }
        if (token.kind() == Kind.NAME && peekAt(1).kind() == Kind.LPAREN) {
            pos += 2;
            Operand result = switch (token.text()) {
                case "if_not_exists" -> {
                    DocumentPath path = parsePath();
                    expect(Kind.COMMA);
                    yield new Operand.IfNotExists(path, parseSetValue());
                }
                case "list_append" -> {
                    Operand first = parseSetValue();
                    expect(Kind.COMMA);
                    Operand second = parseSetValue();
                    requireType(first, "list_append", Set.of("L"));
                    requireType(second, "list_append", Set.of("L"));
                    yield new Operand.ListAppend(first, second);
                }
                default -> throw ApiException.validation(
                        "Invalid UpdateExpression: Invalid function name; function: " + token.text());
            };
            expect(Kind.RPAREN);
            return result;
        }
        return new Operand.Path(parsePath());
    }

    // ---- token helpers ----

    private Token peek() {
        return tokens.get(pos);
    }

    private Token peekAt(int offset) {
        return tokens.get(Math.min(pos + offset, tokens.size() - 1));
    }

    private Token next() {
        Token token = tokens.get(pos);
        if (token.kind() != Kind.EOF) {
            pos++;
        }
        return token;
    }

    private boolean accept(Kind kind) {
        if (peek().kind() == kind) {
            pos++;
            return true;
        }
        return false;
    }

    private Token expect(Kind kind) {
        if (peek().kind() != kind) {
            throw new SyntaxError(pos);
        }
        return next();
    }

    private void expectKeyword(String keyword) {
        if (!peek().isKeyword(keyword)) {
            throw new SyntaxError(pos);
        }
        pos++;
    }

    private static Comparator comparator(Kind kind) {
        return switch (kind) {
            case EQ -> Comparator.EQ;
            case NE -> Comparator.NE;
            case LT -> Comparator.LT;
            case LE -> Comparator.LE;
            case GT -> Comparator.GT;
            case GE -> Comparator.GE;
            default -> null;
        };
    }

    private static Set<String> loadReservedWords() {
        Set<String> words = new HashSet<>();
        try (InputStream in = ExpressionParser.class.getResourceAsStream("reserved-words.txt");
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            reader.lines().map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#"))
                    .forEach(words::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Set.copyOf(words);
    }
}
