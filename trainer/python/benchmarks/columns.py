#!/usr/bin/python3
"""Python side of the column-encoding choice for PredictionBatch (Java side: ColumnEncodingBenchmark).

Times encoding and decoding one whole record, header fields included, from and to numpy arrays,
with packed little-endian columns (the contract) and with Avro arrays of the same values, both
through Debian's python3-avro. Prints microseconds per record at 128 and 1024 rows.

    /usr/bin/python3 trainer/python/benchmarks/columns.py
"""
import io
import json
import os
import sys
import timeit

import avro.io
import avro.schema
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
AVSC = os.path.join(HERE, "..", "..", "..", "schemas", "src", "main", "avro", "PredictionBatch.avsc")

ARRAYS = avro.schema.parse(json.dumps({
    "type": "record", "name": "PredictionBatchArrays", "namespace": "org.isgd.bench", "fields": [
        {"name": "runId", "type": "string"}, {"name": "rank", "type": "int"},
        {"name": "batchSeq", "type": "long"}, {"name": "step", "type": "long"},
        {"name": "trainLoss", "type": "float"}, {"name": "trainerId", "type": "string"},
        {"name": "timestamp", "type": "long"},
        {"name": "sampleIds", "type": {"type": "array", "items": "long"}},
        {"name": "labels", "type": {"type": "array", "items": "int"}},
        {"name": "pCorrect", "type": {"type": "array", "items": "float"}},
        {"name": "loss", "type": {"type": "array", "items": "float"}},
        {"name": "gradNormBound", "type": {"type": "array", "items": "float"}},
        {"name": "predicted", "type": {"type": "array", "items": "int"}}]}))


def columns(rows):
    rng = np.random.default_rng(7)
    p = rng.random(rows, dtype=np.float32)
    return {"sampleIds": rng.integers(0, 1_000_000, rows, dtype=np.int64),
            "labels": rng.integers(0, 10, rows, dtype=np.int32), "pCorrect": p,
            "loss": -np.log(np.maximum(p, 1e-6)).astype(np.float32),
            "gradNormBound": (rng.random(rows, dtype=np.float32) * 1.4).astype(np.float32),
            "predicted": rng.integers(0, 10, rows, dtype=np.int32)}


HEADER = {"runId": "run-1", "rank": 0, "batchSeq": 12345, "step": 12345, "trainLoss": 0.5,
          "trainerId": "trainer-0", "timestamp": 1_700_000_000_000}
DTYPES = {"sampleIds": "<i8", "labels": "<i4", "pCorrect": "<f4", "loss": "<f4", "gradNormBound": "<f4",
          "predicted": "<i4"}


def encode(schema, record):
    out = io.BytesIO()
    avro.io.DatumWriter(schema).write(record, avro.io.BinaryEncoder(out))
    return out.getvalue()


def decode(schema, data):
    return avro.io.DatumReader(schema).read(avro.io.BinaryDecoder(io.BytesIO(data)))


def main():
    with open(AVSC) as f:
        packed = avro.schema.parse(f.read())
    print("rows  op            packed µs  arrays µs  arrays/packed")
    for rows in (128, 1024):
        cols = columns(rows)

        def packed_record():
            record = dict(HEADER, count=rows, positions=b"", trained=b"")
            for name, dtype in DTYPES.items():
                record[name] = cols[name].astype(dtype, copy=False).tobytes()
            return record

        def arrays_record():
            return dict(HEADER, **{name: cols[name].tolist() for name in DTYPES})

        packed_bytes = encode(packed, packed_record())
        array_bytes = encode(ARRAYS, arrays_record())

        def decode_packed():
            r = decode(packed, packed_bytes)
            return [np.frombuffer(r[name], dtype=dtype) for name, dtype in DTYPES.items()]

        def decode_arrays():
            r = decode(ARRAYS, array_bytes)
            return [np.asarray(r[name], dtype=dtype) for name, dtype in DTYPES.items()]

        for op, a, b in (("encode", lambda: encode(packed, packed_record()), lambda: encode(ARRAYS, arrays_record())),
                         ("decode", decode_packed, decode_arrays)):
            n = 200 if rows == 128 else 50
            ta = min(timeit.repeat(a, number=n, repeat=5)) / n * 1e6
            tb = min(timeit.repeat(b, number=n, repeat=5)) / n * 1e6
            print("%-5d %-13s %10.1f %10.1f %10.1fx" % (rows, op, ta, tb, tb / ta))
    print("python %s, numpy %s, avro %s" % (sys.version.split()[0], np.__version__,
                                            getattr(avro, "__version__", "?")))


if __name__ == "__main__":
    main()
