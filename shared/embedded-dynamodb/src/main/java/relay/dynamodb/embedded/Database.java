package relay.dynamodb.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The set of tables, optionally persisted under a data directory. A lock file keeps a second server (in this or
 * another process) from writing the same directory.
 */
final class Database implements AutoCloseable {
    private static final String LOCK_FILE = ".lock";

    private final Path dataDirectory;
    private final ConcurrentSkipListMap<String, Table> tables = new ConcurrentSkipListMap<>();
    private FileChannel lockChannel;

    Database(Path dataDirectory) {
        this.dataDirectory = dataDirectory;
        if (dataDirectory != null) {
            try {
                load();
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }
    }

    private void load() {
        try {
            Files.createDirectories(dataDirectory);
            lockDirectory();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dataDirectory, "*" + TableLog.SUFFIX)) {
                for (Path file : files) {
                    TableLog.Contents contents = TableLog.replay(file);
                    Table table = new Table(contents.schema(), TableLog.reopen(file), contents.ttlAttribute(),
                            contents.items());
                    tables.put(contents.schema().name(), table);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot load tables from " + dataDirectory, e);
        }
    }

    private void lockDirectory() throws IOException {
        lockChannel = FileChannel.open(dataDirectory.resolve(LOCK_FILE), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = lockChannel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            lockChannel.close();
            throw new IllegalStateException("The data directory " + dataDirectory
                    + " is in use by another embedded DynamoDB");
        }
    }

    /** The table for an item operation; a missing table is DynamoDB's plain "Requested resource not found". */
    Table table(String name) {
        Table table = tables.get(name);
        if (table == null) {
            throw ApiException.resourceNotFound("Requested resource not found");
        }
        return table;
    }

    /** The table for a control-plane operation, whose not-found message names the table. */
    Table describedTable(String name) {
        Table table = tables.get(name);
        if (table == null) {
            throw ApiException.tableNotFound(name);
        }
        return table;
    }

    synchronized Table create(TableSchema schema) {
        if (tables.containsKey(schema.name())) {
            throw ApiException.resourceInUse("Table already exists: " + schema.name());
        }
        TableLog log = dataDirectory == null ? null : TableLog.create(dataDirectory, schema);
        Table table = new Table(schema, log, null, List.of());
        tables.put(schema.name(), table);
        return table;
    }

    synchronized Table delete(String name) {
        Table table = describedTable(name);
        if (table.schema().deletionProtection()) {
            throw ApiException.validation("Resource cannot be deleted as it is currently protected against deletion. "
                    + "Disable deletion protection first.");
        }
        tables.remove(name);
        table.deleteFiles();
        return table;
    }

    List<String> tableNames() {
        return new ArrayList<>(tables.keySet());
    }

    Collection<Table> tables() {
        return tables.values();
    }

    void sweepExpired(long nowSeconds) {
        for (Table table : tables.values()) {
            table.sweepExpired(nowSeconds);
        }
    }

    @Override
    public synchronized void close() {
        tables.values().forEach(Table::close);
        if (lockChannel != null) {
            try {
                lockChannel.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
