package org.isgd.infra.bench.sampler;

import java.util.Map;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds all RocksDB stores of a Kafka Streams instance to one shared block cache that also
 * holds the memtables (the recipe of the Kafka Streams memory-management docs). Without it each
 * store of each task takes its own 50 MB cache and up to 3 × 16 MB of memtables, so an instance
 * with dozens of stores can reach gigabytes off-heap. Total bytes: system property
 * {@value #MEMORY_PROPERTY} (default 128 MiB), a quarter of it for memtables.
 *
 * <p>Used by {@code isgd bench sampler} through
 * {@code --kafka-config rocksdb.config.setter=org.isgd.infra.bench.sampler.BoundedRocksDbConfig}; any
 * sampler can take it the same way.
 */
public final class BoundedRocksDbConfig implements RocksDBConfigSetter {
    public static final String MEMORY_PROPERTY = "isgd.rocksdb.memory.bytes";
    private static final long MEMORY = Long.getLong(MEMORY_PROPERTY, 128L << 20);
    private static final Cache CACHE;
    private static final WriteBufferManager WRITE_BUFFERS;

    static {
        org.rocksdb.RocksDB.loadLibrary();
        CACHE = new LRUCache(MEMORY, -1, false, 0.1);
        WRITE_BUFFERS = new WriteBufferManager(MEMORY / 4, CACHE);
    }

    @Override
    public void setConfig(final String storeName, final Options options, final Map<String, Object> configs) {
        final BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(CACHE);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(WRITE_BUFFERS);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(final String storeName, final Options options) {
        // the cache and write-buffer manager are shared by every store: they live as long as the JVM
    }
}
