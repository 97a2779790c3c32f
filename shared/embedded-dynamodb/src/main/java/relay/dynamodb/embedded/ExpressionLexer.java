package relay.dynamodb.embedded;

import java.util.ArrayList;
import java.util.List;

/** Splits an expression into tokens. */
final class ExpressionLexer {

    enum Kind {
        NAME, ATTRIBUTE_NAME, ATTRIBUTE_VALUE, NUMBER,
        LPAREN, RPAREN, LBRACKET, RBRACKET, COMMA, DOT,
        EQ, NE, LT, LE, GT, GE, PLUS, MINUS, EOF
    }

    record Token(Kind kind, String text, int start, int end) {

        boolean isKeyword(String keyword) {
            return kind == Kind.NAME && text.equalsIgnoreCase(keyword);
        }
    }

    private ExpressionLexer() {
    }

    static List<Token> tokenize(String expression, String expressionKind) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        int n = expression.length();
        while (i < n) {
            char c = expression.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            int start = i;
            Kind kind;
            if (Character.isLetter(c) || c == '_') {
                i = identifierEnd(expression, i + 1);
                kind = Kind.NAME;
            } else if (c == '#' || c == ':') {
                i = identifierEnd(expression, i + 1);
                if (i == start + 1) {
                    throw syntaxError(expressionKind, expression, String.valueOf(c), start, i);
                }
                kind = c == '#' ? Kind.ATTRIBUTE_NAME : Kind.ATTRIBUTE_VALUE;
            } else if (Character.isDigit(c)) {
                while (i < n && Character.isDigit(expression.charAt(i))) {
                    i++;
                }
                kind = Kind.NUMBER;
            } else {
                String two = i + 1 < n ? expression.substring(i, i + 2) : "";
                switch (two) {
                    case "<>" -> kind = Kind.NE;
                    case "<=" -> kind = Kind.LE;
                    case ">=" -> kind = Kind.GE;
                    default -> kind = null;
                }
                if (kind != null) {
                    i += 2;
                } else {
                    kind = switch (c) {
                        case '(' -> Kind.LPAREN;
                        case ')' -> Kind.RPAREN;
                        case '[' -> Kind.LBRACKET;
                        case ']' -> Kind.RBRACKET;
                        case ',' -> Kind.COMMA;
                        case '.' -> Kind.DOT;
                        case '=' -> Kind.EQ;
                        case '<' -> Kind.LT;
                        case '>' -> Kind.GT;
                        case '+' -> Kind.PLUS;
                        case '-' -> Kind.MINUS;
                        default -> throw syntaxError(expressionKind, expression, String.valueOf(c), start, i + 1);
                    };
                    i++;
                }
            }
            tokens.add(new Token(kind, expression.substring(start, i), start, i));
        }
        tokens.add(new Token(Kind.EOF, "<EOF>", n, n));
        return tokens;
    }

    private static int identifierEnd(String s, int i) {
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
            i++;
        }
        return i;
    }

    static ApiException syntaxError(String expressionKind, String expression, String token, int start, int end) {
        String near = expression.substring(Math.max(0, start - 8), Math.min(expression.length(), end + 8)).strip();
        return ApiException.validation("Invalid " + expressionKind + ": Syntax error; token: \"" + token
                + "\", near: \"" + near + "\"");
    }
}
