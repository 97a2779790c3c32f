package relay.dynamodb.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
    private final TableLog.Storage storage;
    private final long maxItemsPerTable;
    private final ConcurrentSkipListMap<String, Table> tables = new ConcurrentSkipListMap<>();
    private FileChannel lockChannel;

    /**
     * {@code dataDirectory} null keeps tables in memory; {@code maxItemsPerTable} 0 leaves tables unbounded (see
     * {@link Table}).
     */
    Database(Path dataDirectory, TableLog.Storage storage, long maxItemsPerTable) {
        this.dataDirectory = dataDirectory;
        this.storage = storage;
        this.maxItemsPerTable = maxItemsPerTable;
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
                    TableLog.Loaded loaded;
                    try {
                        loaded = TableLog.load(file, storage);
                    } catch (TableLog.UnreadableLogException e) {
                        setAside(file, e);
                        continue;
                    }
                    TableLog.Contents contents = loaded.contents();
                    tables.put(contents.schema().name(), new Table(contents.schema(), loaded.log(),
                            contents.ttlAttribute(), contents.items(), maxItemsPerTable));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot load tables from " + dataDirectory, e);
        }
    }

    /** Moves a file that is not a table log out of the way, so that it neither stops the start nor is lost. */
    private void setAside(Path file, IOException problem) throws IOException {
        Path aside = file.resolveSibling(file.getFileName() + ".unreadable");
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
        storage.warnings().accept("Embedded DynamoDB: " + problem.getMessage() + "; moved it to " + aside
                + " and started without it");
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
        TableLog log = dataDirectory == null ? null : TableLog.create(dataDirectory, schema, storage);
        Table table = new Table(schema, log, null, List.of(), maxItemsPerTable);
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

    /** Deletes expired items from every table with TTL on; returns how many. */
    int sweepExpired(long nowSeconds) {
        int deleted = 0;
        for (Table table : tables.values()) {
            deleted += table.sweepExpired(nowSeconds);
        }
        return deleted;
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
