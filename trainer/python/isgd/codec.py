"""The wire contract's records (docs/contract.md), encoded and decoded without the Avro library
on the hot path.

Values are Avro single-object encoding: ``C3 01``, the 8-byte little-endian CRC-64-AVRO
fingerprint of the writer schema, then Avro binary. ``IndexBatch`` (every batch a trainer gets)
is decoded and ``PredictionBatch`` (every batch a trainer reports) is encoded by hand, straight
from and to numpy arrays: python3-avro takes ~1 ms per record of 128 samples, these take tens of
microseconds. The rare records (``RunSpec``, ``SampleRegistered``) go through python3-avro.
"""
import io
import os
import struct
from dataclasses import dataclass

import numpy as np

_SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")
MARKER = b"\xc3\x01"

_CRC64_EMPTY = 0xC15D213AA4D7A795
_CRC64_TABLE = []
for _i in range(256):
    _fp = _i
    for _ in range(8):
        _fp = (_fp >> 1) ^ (_CRC64_EMPTY & -(_fp & 1))
    _CRC64_TABLE.append(_fp)


def crc64_avro(data: bytes) -> int:
    """The CRC-64-AVRO (Rabin) fingerprint, as the Avro specification defines it."""
    fp = _CRC64_EMPTY
    for b in data:
        fp = (fp >> 8) ^ _CRC64_TABLE[(fp ^ b) & 0xFF]
    return fp


def schema_json(name: str) -> str:
    with open(os.path.join(_SCHEMAS, name + ".avsc")) as f:
        return f.read()


def _canonical(name: str) -> str:
    import avro.schema  # the canonical form is the library's job; it is computed once per schema
    return avro.schema.parse(schema_json(name)).canonical_form


def header(name: str) -> bytes:
    """The 10 bytes every value of schema ``name`` (current version) starts with."""
    return MARKER + struct.pack("<Q", crc64_avro(_canonical(name).encode()))


INDEX_BATCH_HEADER = header("IndexBatch")
PREDICTION_BATCH_HEADER = header("PredictionBatch")


class ContractError(ValueError):
    """A record that does not follow the contract, with what was wrong."""


# ---- Avro binary primitives ----

def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def write_long(out: bytearray, n: int) -> None:
    z = _zigzag(n) & 0xFFFFFFFFFFFFFFFF
    while z & ~0x7F:
        out.append((z & 0x7F) | 0x80)
        z >>= 7
    out.append(z)


def write_bytes(out: bytearray, data: bytes) -> None:
    write_long(out, len(data))
    out += data


def write_string(out: bytearray, text: str) -> None:
    write_bytes(out, text.encode("utf-8"))


def _read_long(buf: memoryview, pos: int):
    n = shift = 0
    while True:
        if pos >= len(buf):
            raise ContractError("truncated record: a varint runs past the end")
        b = buf[pos]
        pos += 1
        n |= (b & 0x7F) << shift
        if b < 0x80:
            return (n >> 1) ^ -(n & 1), pos
        shift += 7
        if shift > 63:
            raise ContractError("malformed record: a varint longer than 10 bytes")


def _read_string(buf: memoryview, pos: int):
    n, pos = _read_long(buf, pos)
    if n < 0 or pos + n > len(buf):
        raise ContractError("truncated record: a string of %d bytes, %d left" % (n, len(buf) - pos))
    return bytes(buf[pos:pos + n]).decode("utf-8"), pos + n


def _varints(buf: memoryview, pos: int, count: int):
    """``count`` Avro longs from ``pos``, vectorised: the bytes up to the count-th terminator byte."""
    raw = np.frombuffer(buf, dtype=np.uint8, count=min(len(buf) - pos, count * 10), offset=pos)
    ends = np.flatnonzero(raw < 0x80)
    if len(ends) < count:
        raise ContractError("truncated record: %d of %d varints" % (len(ends), count))
    ends = ends[:count]
    size = int(ends[-1]) + 1 if count else 0
    if count and int(np.max(np.diff(np.concatenate(([-1], ends))))) > 10:
        raise ContractError("malformed record: a varint longer than 10 bytes")
    group = np.zeros(size, dtype=np.int64)  # which value each byte belongs to
    group[ends[:-1] + 1] = 1
    group = np.cumsum(group)
    starts = np.concatenate(([0], ends[:-1] + 1))
    shift = (np.arange(size) - starts[group]) * 7
    parts = (raw[:size].astype(np.uint64) & np.uint64(0x7F)) << shift.astype(np.uint64)
    z = np.zeros(count, dtype=np.uint64)
    np.bitwise_or.at(z, group, parts)
    values = (z >> np.uint64(1)).astype(np.int64) ^ -(z & np.uint64(1)).astype(np.int64)
    return values, pos + size


def _array(buf: memoryview, pos: int, read_items):
    """An Avro array: blocks of (count, items), a negative count followed by the block's byte size."""
    parts = []
    while True:
        count, pos = _read_long(buf, pos)
        if count == 0:
            break
        if count < 0:
            count = -count
            _, pos = _read_long(buf, pos)
        items, pos = read_items(buf, pos, count)
        parts.append(items)
    return parts, pos


def _fixed(dtype, width):
    def read(buf, pos, count):
        if pos + count * width > len(buf):
            raise ContractError("truncated record: %d values of %d bytes, %d bytes left" % (count, width, len(buf) - pos))
        return np.frombuffer(buf, dtype=dtype, count=count, offset=pos), pos + count * width
    return read


# ---- IndexBatch ----

@dataclass
class IndexBatch:
    """A batch to train on: ``sample_ids[i]``'s loss is multiplied by ``weights[i]``;
    ``probabilities[i]`` is the proposal it was drawn with."""
    run_id: str
    batch_seq: int
    rank: int
    sample_ids: np.ndarray
    weights: np.ndarray
    probabilities: np.ndarray
    policy: str
    phase: str
    created_at: int

    def __len__(self):
        return len(self.sample_ids)


def decode_index_batch(data: bytes) -> IndexBatch:
    """Decodes an ``IndexBatch`` written with the current schema (the sampler writes no other)."""
    if data is None or len(data) < 10:
        raise ContractError("not an IndexBatch: %s" % ("no value" if data is None else "%d bytes" % len(data)))
    if data[:2] != MARKER:
        raise ContractError("not Avro single-object encoding (expected marker C3 01)")
    if data[:10] != INDEX_BATCH_HEADER:
        raise ContractError("an IndexBatch written with an unknown schema (fingerprint %s); upgrade the isgd client"
                            % data[2:10].hex())
    buf = memoryview(data)
    pos = 10
    run_id, pos = _read_string(buf, pos)
    batch_seq, pos = _read_long(buf, pos)
    rank, pos = _read_long(buf, pos)
    ids, pos = _array(buf, pos, _varints)
    weights, pos = _array(buf, pos, _fixed("<f4", 4))
    probabilities, pos = _array(buf, pos, _fixed("<f8", 8))
    policy, pos = _read_string(buf, pos)
    phase, pos = _read_string(buf, pos)
    created_at, pos = _read_long(buf, pos)
    if pos != len(buf):
        raise ContractError("malformed IndexBatch: %d bytes after its last field" % (len(buf) - pos))

    def joined(parts, dtype):
        return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)

    batch = IndexBatch(run_id, batch_seq, rank, joined(ids, np.int64), joined(weights, np.float32),
                       joined(probabilities, np.float64), policy, phase, created_at)
    if not len(batch.sample_ids) == len(batch.weights) == len(batch.probabilities):
        raise ContractError("malformed IndexBatch %d of run %s: %d ids, %d weights, %d probabilities"
                            % (batch_seq, run_id, len(batch.sample_ids), len(batch.weights), len(batch.probabilities)))
    return batch


def encode_index_batch(batch: IndexBatch) -> bytes:
    """The bytes the sampler writes for ``batch`` (for tests and tools)."""
    out = bytearray(INDEX_BATCH_HEADER)
    write_string(out, batch.run_id)
    write_long(out, batch.batch_seq)
    write_long(out, batch.rank)
    n = len(batch.sample_ids)
    for column, dtype in ((batch.sample_ids, None), (batch.weights, "<f4"), (batch.probabilities, "<f8")):
        if n:
            write_long(out, n)
            if dtype is None:
                for value in np.asarray(column, dtype=np.int64).tolist():
                    write_long(out, value)
            else:
                out += np.asarray(column, dtype=dtype).tobytes()
        out.append(0)
    write_string(out, batch.policy)
    write_string(out, batch.phase)
    write_long(out, batch.created_at)
    return bytes(out)


# ---- PredictionBatch ----

COLUMNS = (("sampleIds", "<i8"), ("labels", "<i4"), ("pCorrect", "<f4"), ("loss", "<f4"), ("gradNormBound", "<f4"),
           ("predicted", "<i4"))


def encode_prediction_batch(run_id: str, rank: int, batch_seq: int, step: int, train_loss: float, trainer_id: str,
                            timestamp: int, sample_ids, labels, p_correct, loss, grad_norm_bound, predicted,
                            positions=None, trained=None) -> bytes:
    """A ``PredictionBatch``: the acknowledgement of ``batch_seq`` and one row per sample, in packed
    little-endian columns (numpy arrays or anything ``np.asarray`` takes)."""
    columns = [np.asarray(c) for c in (sample_ids, labels, p_correct, loss, grad_norm_bound, predicted)]
    count = len(columns[0])
    out = bytearray(PREDICTION_BATCH_HEADER)
    write_string(out, run_id)
    write_long(out, rank)
    write_long(out, batch_seq)
    write_long(out, step)
    out += struct.pack("<f", train_loss)
    write_string(out, trainer_id)
    write_long(out, timestamp)
    write_long(out, count)
    for (name, dtype), column in zip(COLUMNS, columns):
        if len(column) != count:
            raise ContractError("column %s has %d values, %s has %d" % (name, len(column), COLUMNS[0][0], count))
        write_bytes(out, column.astype(dtype, copy=False).tobytes())
    write_bytes(out, b"" if positions is None else np.asarray(positions).astype("<i4", copy=False).tobytes())
    write_bytes(out, b"" if trained is None else np.asarray(trained).astype(np.uint8, copy=False).tobytes())
    return bytes(out)


@dataclass
class PredictionBatch:
    run_id: str
    rank: int
    batch_seq: int
    step: int
    train_loss: float
    trainer_id: str
    timestamp: int
    columns: dict


def decode_prediction_batch(data: bytes) -> PredictionBatch:
    """Decodes a ``PredictionBatch`` (for tests and tools: the sampler is its reader)."""
    if data[:10] != PREDICTION_BATCH_HEADER:
        raise ContractError("not a PredictionBatch of the current schema")
    buf = memoryview(data)
    pos = 10
    run_id, pos = _read_string(buf, pos)
    rank, pos = _read_long(buf, pos)
    batch_seq, pos = _read_long(buf, pos)
    step, pos = _read_long(buf, pos)
    (train_loss,) = struct.unpack_from("<f", buf, pos)
    pos += 4
    trainer_id, pos = _read_string(buf, pos)
    timestamp, pos = _read_long(buf, pos)
    count, pos = _read_long(buf, pos)
    columns = {}
    for name, dtype in COLUMNS + (("positions", "<i4"), ("trained", "u1")):
        n, pos = _read_long(buf, pos)
        columns[name] = np.frombuffer(buf, dtype=dtype, count=n // np.dtype(dtype).itemsize, offset=pos)
        pos += n
    return PredictionBatch(run_id, rank, batch_seq, step, train_loss, trainer_id, timestamp, columns)


# ---- the rare records, through python3-avro ----

def _avro(name):
    import avro.io
    import avro.schema
    schema = avro.schema.parse(schema_json(name))
    return schema, avro.io.DatumWriter(schema), avro.io.DatumReader(schema)


def encode_record(name: str, record: dict) -> bytes:
    """A record of schema ``name`` (e.g. ``RunSpec``, ``SampleRegistered``), as a dict of its fields."""
    import avro.io
    _, writer, _ = _avro(name)
    out = io.BytesIO()
    writer.write(record, avro.io.BinaryEncoder(out))
    return header(name) + out.getvalue()


def decode_record(name: str, data: bytes) -> dict:
    import avro.io
    if data is None or data[:10] != header(name):
        raise ContractError("not a %s of the schema this client knows" % name)
    _, _, reader = _avro(name)
    return reader.read(avro.io.BinaryDecoder(io.BytesIO(data[10:])))


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 (Utils.murmur2), which Java's default partitioner hashes keys with."""
    length = len(data)
    seed, m, r = 0x9747B28C, 0x5BD1E995, 24
    h = (seed ^ length) & 0xFFFFFFFF
    for i in range(0, length - length % 4, 4):
        k = data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = (h * m) & 0xFFFFFFFF
        h ^= k
    rest = length % 4
    tail = length - rest
    if rest == 3:
        h ^= data[tail + 2] << 16
    if rest >= 2:
        h ^= data[tail + 1] << 8
    if rest >= 1:
        h ^= data[tail]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h - (1 << 32) if h & 0x80000000 else h


def partition_of(key: str, partitions: int) -> int:
    """The partition Java's default partitioner (and the sampler) puts a string key on."""
    return (murmur2(key.encode("utf-8")) & 0x7FFFFFFF) % partitions


__all__ = ["IndexBatch", "PredictionBatch", "ContractError", "decode_index_batch", "encode_index_batch",
           "encode_prediction_batch", "decode_prediction_batch", "encode_record", "decode_record", "header",
           "crc64_avro", "murmur2", "partition_of", "schema_json"]
