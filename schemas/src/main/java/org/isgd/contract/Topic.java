package org.isgd.contract;

import org.apache.kafka.common.serialization.Serde;

/**
 * A topic name tied to the serdes of its keys and values, so that no topic name is ever an
 * inline string and no producer can pair a topic with the wrong value type.
 */
public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
}
