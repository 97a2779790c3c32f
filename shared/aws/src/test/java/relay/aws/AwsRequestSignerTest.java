package relay.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/** SigV4 through the AWS SDK's signer, checked against a reference implementation that reproduces AWS's published vector. */
class AwsRequestSignerTest {
    /** The credentials and time of AWS's SigV4 test suite. */
    static final StaticCredentialsProvider SUITE_CREDENTIALS = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"));
    static final Clock SUITE_TIME = Clock.fixed(Instant.parse("2015-08-30T12:36:00Z"), ZoneOffset.UTC);

    /**
     * A from-scratch SigV4 (the spec's four steps), to check the SDK's output against. It is itself
     * checked against AWS's published "post-vanilla" vector first.
     */
    static String referenceSignature(String method, String canonicalUri, Map<String, String> headers, byte[] body,
                                     String amzDate, String region, String service, String secret) throws Exception {
        TreeMap<String, String> sorted = new TreeMap<>();
        headers.forEach((k, v) -> sorted.put(k.toLowerCase(Locale.ROOT), v.strip()));
        StringBuilder canonical = new StringBuilder(method).append('\n').append(canonicalUri).append("\n\n");
        sorted.forEach((k, v) -> canonical.append(k).append(':').append(v).append('\n'));
        canonical.append('\n').append(String.join(";", sorted.keySet())).append('\n').append(hex(sha256(body)));
        String scope = amzDate.substring(0, 8) + "/" + region + "/" + service + "/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + hex(sha256(canonical.toString().getBytes(StandardCharsets.UTF_8)));
        byte[] key = ("AWS4" + secret).getBytes(StandardCharsets.UTF_8);
        for (String part : new String[] {amzDate.substring(0, 8), region, service, "aws4_request"}) key = hmac(key, part);
        return hex(hmac(key, toSign));
    }

    static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    @Test
    void theReferenceSigner_reproducesAwsPublishedPostVanillaSignature() throws Exception {
        String signature = referenceSignature("POST", "/", Map.of("host", "example.amazonaws.com", "x-amz-date", "20150830T123600Z"),
                new byte[0], "20150830T123600Z", "us-east-1", "service", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

        assertEquals("5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b", signature);
    }

    @Test
    void bedrockRequest_isSignedForServiceBedrockInTheRegion_exactlyAsSigV4Specifies() throws Exception {
        var signer = new AwsRequestSigner(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIATEST", "secret")),
                Clock.fixed(Instant.parse("2024-01-02T03:04:05Z"), ZoneOffset.UTC));
        byte[] body = "{\"messages\":[]}".getBytes(StandardCharsets.UTF_8);

        Map<String, String> headers = signer.sign("POST",
                URI.create("https://bedrock-runtime.eu-west-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse"),
                Map.of("content-type", "application/json", "accept", "application/json"), body, "bedrock", "eu-west-1");

        String authorization = header(headers, "authorization");
        assertTrue(authorization.startsWith("AWS4-HMAC-SHA256 Credential=AKIATEST/20240102/eu-west-1/bedrock/aws4_request, "
                + "SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date, Signature="), authorization);
        assertEquals("20240102T030405Z", header(headers, "x-amz-date"));
        assertEquals(hex(sha256(body)), header(headers, "x-amz-content-sha256"));
        assertEquals("application/json", header(headers, "content-type"));
        assertFalse(headers.keySet().stream().anyMatch(h -> h.equalsIgnoreCase("host")), "host is for the HTTP client to send");
        // Services other than S3 sign the path encoded twice: %3A becomes %253A.
        String expected = referenceSignature("POST", "/model/anthropic.claude-3-5-sonnet-20240620-v1%253A0/converse",
                Map.of("accept", "application/json", "content-type", "application/json",
                        "host", "bedrock-runtime.eu-west-1.amazonaws.com", "x-amz-content-sha256", hex(sha256(body)),
                        "x-amz-date", "20240102T030405Z"),
                body, "20240102T030405Z", "eu-west-1", "bedrock", "secret");
        assertTrue(authorization.endsWith("Signature=" + expected), authorization + " vs " + expected);
    }

    @Test
    void theSignatureCoversTheBody() {
        var signer = new AwsRequestSigner(SUITE_CREDENTIALS, SUITE_TIME);
        URI uri = URI.create("https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse");

        String one = header(signer.sign("POST", uri, Map.of(), "{\"a\":1}".getBytes(StandardCharsets.UTF_8), "bedrock", "us-east-1"), "authorization");
        String two = header(signer.sign("POST", uri, Map.of(), "{\"a\":2}".getBytes(StandardCharsets.UTF_8), "bedrock", "us-east-1"), "authorization");

        assertFalse(one.equals(two));
    }

    @Test
    void temporaryCredentials_addTheSignedSecurityToken() {
        var signer = new AwsRequestSigner(StaticCredentialsProvider.create(
                AwsSessionCredentials.create("ASIATEST", "secret", "session-token-123")), SUITE_TIME);

        Map<String, String> headers = signer.sign("POST", URI.create("https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse"),
                Map.of(), new byte[0], "bedrock", "us-east-1");

        assertEquals("session-token-123", header(headers, "x-amz-security-token"));
        assertTrue(header(headers, "authorization").contains("x-amz-security-token"));
    }

    @Test
    void missingCredentials_areAnAuthenticationErrorThatNamesTheService() {
        var signer = new AwsRequestSigner(() -> {
            throw SdkClientException.create("Unable to load credentials from any of the providers in the chain");
        });

        RelayException e = assertThrows(RelayException.class, () -> signer.sign("POST",
                URI.create("https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse"), Map.of(), new byte[0], "bedrock", "us-east-1"));

        assertEquals(ErrorKind.AUTHENTICATION, e.kind());
        assertTrue(e.getMessage().contains("bedrock"), e.getMessage());
    }

    static String header(Map<String, String> headers, String name) {
        return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                .findFirst().orElseThrow(() -> new AssertionError("no " + name + " in " + headers.keySet()));
    }
}
