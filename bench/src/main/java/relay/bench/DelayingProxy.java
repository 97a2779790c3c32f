package relay.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback that makes a server slow: on each connection, the first bytes of every request
 * (the first client bytes after the server last answered) wait {@code delay} before they are passed on.
 * With HTTP/1.1 keep-alive that is {@code delay} added to every call, whatever the protocol above.
 */
final class DelayingProxy implements AutoCloseable {
    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Duration delay;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final AtomicLong delayed = new AtomicLong();
    private volatile boolean closed;

    private DelayingProxy(InetSocketAddress target, Duration delay) throws IOException {
        this.target = target;
        this.delay = delay;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("delaying-proxy-accept").start(this::accept);
    }

    /** A proxy in front of the HTTP server at {@code endpoint}. */
    static DelayingProxy start(URI endpoint, Duration delay) throws IOException {
        return new DelayingProxy(new InetSocketAddress(endpoint.getHost(), endpoint.getPort()), delay);
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** How many calls were held back so far. */
    long delayedCalls() {
        return delayed.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                upstream.connect(target, 5_000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                AtomicBoolean awaitingRequest = new AtomicBoolean(true);
                Thread.ofVirtual().start(() -> pump(client, upstream, awaitingRequest, true));
                Thread.ofVirtual().start(() -> pump(upstream, client, awaitingRequest, false));
            } catch (IOException e) {
                if (!closed) System.err.println("delaying proxy: " + e.getMessage());
            }
        }
    }

    private void pump(Socket from, Socket to, AtomicBoolean awaitingRequest, boolean request) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (request && awaitingRequest.getAndSet(false)) {
                    delayed.incrementAndGet();
                    Thread.sleep(delay);
                }
                out.write(buffer, 0, n);
                out.flush();
                if (!request) awaitingRequest.set(true);
            }
        } catch (IOException | InterruptedException e) {
            // either side closed
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void closeQuietly(Socket socket) {
        sockets.remove(socket);
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket socket : sockets) closeQuietly(socket);
    }
}
