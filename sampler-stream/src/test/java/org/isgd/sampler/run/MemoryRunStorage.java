package org.isgd.sampler.run;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiPredicate;

/** {@link RunStorage} in sorted maps, for tests of the run table without Kafka. */
final class MemoryRunStorage implements RunStorage {
    private final Map<Area, TreeMap<String, byte[]>> areas = new EnumMap<>(Area.class);

    MemoryRunStorage() {
        for (final Area area : Area.values()) {
            areas.put(area, new TreeMap<>());
        }
    }

    @Override
    public byte[] get(final Area area, final String key) {
        return areas.get(area).get(key);
    }

    @Override
    public void put(final Area area, final String key, final byte[] value) {
        areas.get(area).put(key, value.clone());
    }

    @Override
    public void delete(final Area area, final String key) {
        areas.get(area).remove(key);
    }

    @Override
    public void range(final Area area, final String from, final String to, final BiPredicate<String, byte[]> each) {
        for (final Map.Entry<String, byte[]> e : areas.get(area).subMap(from, true, to, true).entrySet()) {
            if (!each.test(e.getKey(), e.getValue())) {
                return;
            }
        }
    }

    int size(final Area area) {
        return areas.get(area).size();
    }
}
