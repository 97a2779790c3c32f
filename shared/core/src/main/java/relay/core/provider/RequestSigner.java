package relay.core.provider;

import java.net.URI;
import java.util.Map;

/**
 * Signs an HTTP request for an AWS service (SigV4) with the process's own credentials (on Lambda,
 * the function's role). Implemented where the AWS SDK lives; adapters only see this.
 */
public interface RequestSigner {
    /**
     * The headers to send, the given ones plus the signature's ({@code authorization},
     * {@code x-amz-date}, and {@code x-amz-security-token} where the credentials are temporary).
     */
    Map<String, String> sign(String method, URI uri, Map<String, String> headers, byte[] body, String service, String region);

    /** For processes without AWS credentials: any signing attempt fails with a clear message. */
    RequestSigner NONE = (method, uri, headers, body, service, region) -> {
        throw new relay.core.error.RelayException(relay.core.error.ErrorKind.AUTHENTICATION,
                "Relay has no AWS credentials to sign a request to " + service + ".");
    };
}
