package relay.aws;

import java.net.URI;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.RequestSigner;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * SigV4 for HTTP requests Relay sends itself (Bedrock), with the AWS SDK's own signer and a
 * credentials provider (on Lambda, the function's role through the default chain). The returned
 * headers are the given ones plus {@code authorization}, {@code x-amz-date} and, for temporary
 * credentials, {@code x-amz-security-token}; {@code host} is signed but left out, because the HTTP
 * client sends it from the same URI (and Java's client refuses to have it set).
 */
public final class AwsRequestSigner implements RequestSigner {
    private final AwsCredentialsProvider credentials;
    private final Clock clock;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();

    public AwsRequestSigner(AwsCredentialsProvider credentials) {
        this(credentials, Clock.systemUTC());
    }

    /** @param clock the signing time (tests fix it to check a known signature) */
    public AwsRequestSigner(AwsCredentialsProvider credentials, Clock clock) {
        this.credentials = credentials;
        this.clock = clock;
    }

    /** With the default chain: env, system properties, web identity, profile, container and instance roles. */
    public static AwsRequestSigner withDefaultCredentials() {
        return new AwsRequestSigner(DefaultCredentialsProvider.builder().build());
    }

    @Override
    public Map<String, String> sign(String method, URI uri, Map<String, String> headers, byte[] body, String service, String region) {
        AwsCredentialsIdentity identity = identity(service);
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(uri);
        headers.forEach(request::putHeader);
        var signed = signer.sign(r -> r
                .identity(identity)
                .request(request.build())
                .payload(ContentStreamProvider.fromByteArrayUnsafe(body == null ? new byte[0] : body))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(HttpSigner.SIGNING_CLOCK, clock));
        Map<String, String> result = new LinkedHashMap<>();
        signed.request().headers().forEach((name, values) -> {
            if (!name.equalsIgnoreCase("host")) result.put(name, String.join(",", values));
        });
        return result;
    }

    /** The current credentials; none is a 401 whose message says what is missing and holds nothing secret. */
    private AwsCredentialsIdentity identity(String service) {
        try {
            return credentials.resolveCredentials();
        } catch (RuntimeException e) {
            throw new RelayException(ErrorKind.AUTHENTICATION, "Relay could not load AWS credentials to sign a request to "
                    + service + " (set the function's role, or AWS_ACCESS_KEY_ID / AWS_PROFILE where Relay runs).",
                    null, Map.of(), e);
        }
    }
}
