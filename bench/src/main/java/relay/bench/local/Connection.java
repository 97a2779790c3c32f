package relay.bench.local;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;

/**
 * One kept-alive HTTP/1.1 connection sending the same request again and again, as a load tool does:
 * the request's bytes are made once, the answer's body is read and dropped (kept only when it is not a 200).
 * Far cheaper per request than the JDK's HttpClient, so that on a small machine the client takes as
 * little as it can of the cores the gateways under test share with it. Not thread-safe: one per client thread.
 */
final class Connection implements AutoCloseable {
    private final Target target;
    private final Duration timeout;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    /** New connections opened after the first: a peer that closes kept-alive connections shows here. */
    private int reconnects = -1;

    Connection(Target target, Duration timeout) {
        this.target = target;
        this.timeout = timeout;
    }

    /** What one request got: its status, and its body when that was not 200. */
    record Answer(int status, String errorBody) {}

    /** Sends the target's request once and reads the whole answer; a connection closed while idle is opened again once. */
    Answer send() throws IOException {
        for (int attempt = 1; ; attempt++) {
            if (socket == null) open();
            try {
                out.write(target.request());
                out.flush();
                HttpMessage.Head head = HttpMessage.readHead(in);
                if (head == null) throw new java.io.EOFException("the connection closed before an answer");
                int status = head.status();
                String error = null;
                if (status == 200) HttpMessage.skipBody(in, head); else error = HttpMessage.body(in, head);
                if (head.closes()) close();
                return new Answer(status, error);
            } catch (IOException e) {
                close();
                if (attempt == 2) throw e;
            }
        }
    }

    int reconnects() {
        return Math.max(0, reconnects);
    }

    private void open() throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(target.host(), target.port()), (int) timeout.toMillis());
        s.setSoTimeout((int) timeout.toMillis());
        socket = s;
        in = new BufferedInputStream(s.getInputStream(), 16 * 1024);
        out = s.getOutputStream();
        reconnects++;
    }

    @Override
    public void close() {
        if (socket == null) return;
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
        socket = null;
    }
}
