package relay.bench;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * Looks into a child JVM through the JDK's attach API and its local JMX agent: bytes allocated by all
 * its threads (to divide by the requests served), its resident memory, and a JFR recording of just the
 * measured part. Attach once, after the warm-up: starting the agent costs the child some threads and
 * allocation of its own, and each reading a few kilobytes.
 */
public final class JvmProbe implements AutoCloseable {
    private final long pid;
    private final JMXConnector connector;
    private final MBeanServerConnection server;
    private final com.sun.management.ThreadMXBean threads;

    private JvmProbe(long pid, JMXConnector connector) throws IOException {
        this.pid = pid;
        this.connector = connector;
        this.server = connector.getMBeanServerConnection();
        this.threads = ManagementFactory.newPlatformMXBeanProxy(server, ManagementFactory.THREAD_MXBEAN_NAME,
                com.sun.management.ThreadMXBean.class);
    }

    static JvmProbe attach(long pid) throws IOException {
        String address;
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
        } catch (com.sun.tools.attach.AttachNotSupportedException e) {
            throw new IOException("cannot attach to JVM " + pid + ": " + e.getMessage(), e);
        }
        return new JvmProbe(pid, JMXConnectorFactory.connect(new JMXServiceURL(address)));
    }

    /** Bytes allocated in the heap by every thread of the JVM since it started. */
    long allocatedBytes() {
        return threads.getTotalThreadAllocatedBytes();
    }

    /** Bytes allocated by the JVM's {@code main} thread, where both runtimes run their loop; -1 when it is gone. */
    long mainThreadAllocatedBytes() {
        for (java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().equals("main")) return threads.getThreadAllocatedBytes(info.getThreadId());
        }
        return -1;
    }

    /** The process's resident set (VmRSS), in bytes; -1 when /proc cannot tell. */
    long residentBytes() {
        return memory(pid, "VmRSS");
    }

    /** A memory figure of process {@code pid} from /proc (VmRSS: resident now; VmHWM: its peak), in bytes; -1 when /proc cannot tell. */
    public static long memory(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field + ":")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    /** CPU seconds (user + system) process {@code pid} has used, from /proc (10 ms ticks); -1 where there is no /proc. */
    public static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0; // utime, stime in USER_HZ (100)
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Starts a JFR recording with the "profile" settings (as {@code jcmd <pid> JFR.start}). */
    void startRecording(String name) throws Exception {
        diagnosticCommand("jfrStart", "name=" + name, "settings=profile");
    }

    /** Writes the recording to {@code file} and stops it. */
    void stopRecording(String name, Path file) throws Exception {
        diagnosticCommand("jfrStop", "name=" + name, "filename=" + file.toAbsolutePath());
    }

    private void diagnosticCommand(String operation, String... arguments) throws Exception {
        server.invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"), operation,
                new Object[] {arguments}, new String[] {String[].class.getName()});
    }

    @Override
    public void close() {
        try {
            connector.close();
        } catch (IOException ignored) {
            // the child is going away anyway
        }
    }
}
