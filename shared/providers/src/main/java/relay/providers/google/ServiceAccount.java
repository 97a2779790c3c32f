package relay.providers.google;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;

/**
 * A Google service-account key file (the JSON Google Cloud hands out), as far as signing in needs it.
 * Messages about a bad file never quote it: it holds the private key.
 */
public record ServiceAccount(String clientEmail, String privateKeyId, PrivateKey privateKey, String tokenUri, String projectId) {
    public static final String DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token";

    /** @param where names the deployment in messages, e.g. {@code vertex_ai/gemini-2.5-pro} */
    public static ServiceAccount parse(String json, String where) {
        JsonNode root;
        try {
            root = json == null || !json.strip().startsWith("{") ? null : Json.MAPPER.readTree(json);
        } catch (IOException e) {
            root = null;
        }
        if (root == null || !root.isObject()) {
            throw invalid(where, "is not a service-account JSON key file");
        }
        if (root.hasNonNull("type") && !"service_account".equals(root.path("type").asText())) {
            throw invalid(where, "is of type '" + root.path("type").asText() + "'; a service_account key is needed");
        }
        String email = root.path("client_email").asText(null);
        String pem = root.path("private_key").asText(null);
        if (email == null || pem == null) throw invalid(where, "lacks client_email or private_key");
        String tokenUri = root.path("token_uri").asText(DEFAULT_TOKEN_URI);
        return new ServiceAccount(email, root.path("private_key_id").asText(null), privateKey(pem, where), tokenUri,
                root.path("project_id").asText(null));
    }

    /** A PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}), the form Google issues keys in. */
    static PrivateKey privateKey(String pem, String where) {
        if (!pem.contains("BEGIN PRIVATE KEY")) throw invalid(where, "has a private_key that is not a PKCS#8 PEM key");
        String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw invalid(where, "has a private_key that is not a readable RSA key");
        }
    }

    private static RelayException invalid(String where, String problem) {
        return new RelayException(ErrorKind.AUTHENTICATION, "The key for " + where + " " + problem
                + " (Vertex AI needs a Google service-account JSON key as the deployment's api_key).");
    }

    @Override
    public String toString() { // never the private key
        return "ServiceAccount[" + clientEmail + "]";
    }
}
