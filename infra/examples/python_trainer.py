#!/usr/bin/python3
"""A trainer in another language, written from the wire contract (docs/contract.md) alone, for the older per-sample contract.

It reads one run's IndexBatches from isgd.batches (read_committed), "trains" (here: makes up a
prediction per sample), publishes one SamplePrediction per sample on isgd.predictions and one
TrainerProgress per batch on isgd.progress -- the acknowledgement that makes the sampler emit more.

Needs Debian's python3-confluent-kafka and python3-avro (run with /usr/bin/python3):
    /usr/bin/python3 infra/examples/python_trainer.py --bootstrap-servers 127.0.0.1:9092 --run-id RUN --batches 20
"""
import argparse
import io
import json
import os
import random
import struct
import sys
import time

import avro.io
import avro.schema
from confluent_kafka import Consumer, Producer

SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "schemas", "src", "main", "avro")

_CRC64_TABLE = []
for i in range(256):
    fp = i
    for _ in range(8):
        fp = (fp >> 1) ^ (0xC15D213AA4D7A795 & -(fp & 1))
    _CRC64_TABLE.append(fp)


def crc64_avro(data: bytes) -> int:
    """CRC-64-AVRO (Rabin) fingerprint, as the Avro specification defines it."""
    fp = 0xC15D213AA4D7A795
    for b in data:
        fp = (fp >> 8) ^ _CRC64_TABLE[(fp ^ b) & 0xFF]
    return fp


class SingleObject:
    """Avro single-object encoding: C3 01, 8-byte little-endian fingerprint, Avro binary."""

    def __init__(self, name):
        with open(os.path.join(SCHEMAS, name + ".avsc")) as f:
            self.schema = avro.schema.parse(f.read())
        fingerprint = crc64_avro(self.schema.canonical_form.encode())
        self.header = b"\xc3\x01" + struct.pack("<Q", fingerprint)

    def encode(self, record) -> bytes:
        out = io.BytesIO()
        avro.io.DatumWriter(self.schema).write(record, avro.io.BinaryEncoder(out))
        return self.header + out.getvalue()

    def decode(self, data: bytes):
        if data[:10] != self.header:
            raise ValueError("not a %s written with this schema version" % self.schema.name)
        return avro.io.DatumReader(self.schema).read(avro.io.BinaryDecoder(io.BytesIO(data[10:])))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", default="127.0.0.1:9092")
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--batches", type=int, default=20)
    args = parser.parse_args()

    batch_codec = SingleObject("IndexBatch")
    prediction_codec = SingleObject("SamplePrediction")
    progress_codec = SingleObject("TrainerProgress")
    consumer = Consumer({"bootstrap.servers": args.bootstrap_servers, "group.id": "py-trainer-" + args.run_id,
                         "isolation.level": "read_committed", "auto.offset.reset": "earliest",
                         "enable.auto.commit": False})
    producer = Producer({"bootstrap.servers": args.bootstrap_servers, "acks": "all"})
    consumer.subscribe(["isgd.batches"])
    expected, deadline, ids_seen = 0, time.time() + 120, 0
    while expected < args.batches and time.time() < deadline:
        msg = consumer.poll(1.0)
        if msg is None or msg.error() or msg.key() != args.run_id.encode():
            continue
        batch = batch_codec.decode(msg.value())
        if batch["batchSeq"] != expected:
            sys.exit("expected batch %d, got %d" % (expected, batch["batchSeq"]))
        now = int(time.time() * 1000)
        for position, sample_id in enumerate(batch["sampleIds"]):
            p = random.uniform(0.05, 0.95)  # a real trainer takes this from its forward pass
            producer.produce("isgd.predictions", key=struct.pack(">q", sample_id), value=prediction_codec.encode({
                "runId": args.run_id, "sampleId": sample_id, "batchSeq": batch["batchSeq"], "step": expected + 1,
                "label": label_of(sample_id), "pCorrect": p, "loss": -__import__("math").log(p),
                "gradNormBound": 1 - p, "predicted": label_of(sample_id), "trainerId": "python", "position": position,
                "timestamp": now}))
        producer.produce("isgd.progress", key=args.run_id.encode(), value=progress_codec.encode({
            "runId": args.run_id, "rank": 0, "batchSeq": batch["batchSeq"], "step": expected + 1,
            "trainLoss": 0.5, "timestamp": now}))
        producer.flush()
        consumer.commit(msg)
        ids_seen += len(batch["sampleIds"])
        expected += 1
    consumer.close()
    print(json.dumps({"batches": expected, "samples": ids_seen, "policy": batch["policy"] if expected else None}))
    return 0 if expected == args.batches else 1


LABELS = {}


def label_of(sample_id):
    """Labels as registered: sampleId is the index into Fashion-MNIST's training labels."""
    if not LABELS:
        import gzip
        path = os.environ.get("ISGD_LABELS", "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz")
        with gzip.open(path) as f:
            LABELS["all"] = f.read()[8:]
    return LABELS["all"][sample_id]


if __name__ == "__main__":
    sys.exit(main())
