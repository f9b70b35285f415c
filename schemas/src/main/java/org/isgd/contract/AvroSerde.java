package org.isgd.contract;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for a generated Avro class using Avro single-object encoding: marker {@code C3 01},
 * the 8-byte little-endian CRC-64-AVRO fingerprint of the writer schema, then Avro binary.
 *
 * <p>Older versions of a schema are read by the current class through schema resolution: every
 * earlier writer schema is kept as {@code org/isgd/schemas/history/<Name>.v<N>.avsc} on the
 * classpath and registered with the decoder, so records written before a compatible change stay
 * readable without a schema registry.
 */
public final class AvroSerde<T extends SpecificRecordBase> implements Serde<T>, Serializer<T>, Deserializer<T> {
    static final String HISTORY_DIR = "org/isgd/schemas/history/";
    /**
     * The longest string, bytes field or collection a record may declare: 16 MiB, far above any
     * record of the contract (a full prediction batch is 2.2 MB) and far below what a corrupt
     * length prefix could make Avro allocate (up to 2 GiB, an OutOfMemoryError in a sampler).
     * Avro reads these limits once; an operator's own -D settings win.
     */
    static final String MAX_LENGTH = String.valueOf(16 << 20);

    static {
        for (final String limit : List.of("org.apache.avro.limits.bytes.maxLength",
                "org.apache.avro.limits.string.maxLength", "org.apache.avro.limits.collectionItems.maxLength")) {
            if (System.getProperty(limit) == null) {
                System.setProperty(limit, MAX_LENGTH);
            }
        }
    }

    private final Class<T> type;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    private AvroSerde(final Class<T> type, final List<Schema> olderWriterSchemas) {
        TrustedClasses.allowProjectClasses();
        this.type = type;
        final Schema schema = SpecificData.get().getSchema(type);
        final SpecificData model = new SpecificData(type.getClassLoader());
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema);
        for (final Schema older : olderWriterSchemas) {
            decoder.addSchema(older);
        }
    }

    /** A serde for {@code type} that also reads every older version found in the schema history. */
    public static <T extends SpecificRecordBase> AvroSerde<T> of(final Class<T> type) {
        return new AvroSerde<>(type, history(type.getSimpleName()));
    }

    /** A serde that reads the given older writer schemas besides the history (tests, migrations). */
    public static <T extends SpecificRecordBase> AvroSerde<T> withWriterSchemas(final Class<T> type,
                                                                                final List<Schema> older) {
        final List<Schema> all = new ArrayList<>(history(type.getSimpleName()));
        all.addAll(older);
        return new AvroSerde<>(type, all);
    }

    static List<Schema> history(final String recordName) {
        final List<Schema> schemas = new ArrayList<>();
        final ClassLoader loader = AvroSerde.class.getClassLoader();
        for (int version = 1; ; version++) {
            final String resource = HISTORY_DIR + recordName + ".v" + version + ".avsc";
            try (InputStream in = loader.getResourceAsStream(resource)) {
                if (in == null) {
                    return schemas;
                }
                schemas.add(new Schema.Parser().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read schema history " + resource, e);
            }
        }
    }

    public Class<T> type() {
        return type;
    }

    public byte[] encode(final T value) {
        try {
            final ByteBuffer buffer = encoder.encode(value);
            final byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Decodes one single-object-encoded value.
     *
     * @throws SerializationException with a message that names what was wrong (marker, unknown
     *     fingerprint, truncated or malformed body): the text that goes into a dead letter
     */
    public T decode(final byte[] bytes) {
        if (bytes == null) {
            throw new SerializationException("null value: a " + type.getSimpleName() + " was expected");
        }
        try {
            return decoder.decode(bytes);
        } catch (MissingSchemaException e) {
            throw new SerializationException("unknown schema fingerprint for " + type.getSimpleName()
                    + ": the writer used a schema this reader does not know (" + e.getMessage() + ")", e);
        } catch (BadHeaderException e) {
            throw new SerializationException("not Avro single-object encoding (expected marker C3 01): "
                    + e.getMessage(), e);
        } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException | NegativeArraySizeException
                 | UnsupportedOperationException e) { // the last: Avro's SystemLimitException for an oversized length
            throw new SerializationException("malformed or truncated " + type.getSimpleName() + ": "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()), e);
        }
    }

    @Override
    public byte[] serialize(final String topic, final T data) {
        return data == null ? null : encode(data);
    }

    @Override
    public T deserialize(final String topic, final byte[] data) {
        return data == null ? null : decode(data);
    }

    @Override
    public void configure(final Map<String, ?> configs, final boolean isKey) {
    }

    @Override
    public void close() {
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }
}
