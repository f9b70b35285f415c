"""The client's encodings against the contract: the shared vectors the Java serdes check too."""
import json
import os

import numpy as np
import pytest

from conftest import REPO
from isgd import admin, codec

VECTORS = os.path.join(REPO, "schemas", "src", "test", "resources", "org", "isgd", "contract", "contract-vectors.json")


@pytest.fixture(scope="module")
def vectors():
    with open(VECTORS, encoding="utf-8") as f:
        return json.load(f)


def test_the_packaged_schemas_are_the_contracts():
    for name in ("IndexBatch", "PredictionBatch", "RunSpec", "SampleRegistered", "IrreducibleLosses"):
        with open(os.path.join(REPO, "schemas", "src", "main", "avro", name + ".avsc"), "rb") as f:
            assert codec.schema_json(name).encode() == f.read(), name + ".avsc drifted from schemas/src/main/avro"


def test_headers_carry_the_documented_fingerprints():
    assert codec.INDEX_BATCH_HEADER.hex() == "c301" + "9fd41d9c353d0987"
    assert codec.PREDICTION_BATCH_HEADER.hex() == "c301" + "12618bdce4c83ede"
    with open(os.path.join(REPO, "docs", "contract.md"), encoding="utf-8") as f:
        doc = f.read()
    assert "`PredictionBatch` | `de3ec8e4dc8b6112`" in doc


def test_index_batches_read_and_write_the_javas_bytes(vectors):
    for v in vectors["IndexBatch"]:
        raw = bytes.fromhex(v["hex"])
        batch = codec.decode_index_batch(raw)
        assert (batch.run_id, batch.batch_seq, batch.rank, batch.policy, batch.phase, batch.created_at) == \
            (v["runId"], v["batchSeq"], v["rank"], v["policy"], v["phase"], v["createdAt"])
        assert batch.sample_ids.tolist() == v["sampleIds"]
        assert batch.weights.tolist() == pytest.approx(v["weights"])
        assert batch.probabilities.tolist() == v["probabilities"]
        assert codec.encode_index_batch(batch) == raw


def test_prediction_batches_write_the_javas_bytes(vectors):
    for v in vectors["PredictionBatch"]:
        raw = codec.encode_prediction_batch(
            v["runId"], v["rank"], v["batchSeq"], v["step"], v["trainLoss"], v["trainerId"], v["timestamp"],
            v["sampleIds"], v["labels"], np.array(v["pCorrect"], np.float32), np.array(v["loss"], np.float32),
            np.array(v["gradNormBound"], np.float32), v["predicted"], positions=v["positions"], trained=v["trained"])
        assert raw.hex() == v["hex"]
        back = codec.decode_prediction_batch(raw)
        assert back.batch_seq == v["batchSeq"] and back.columns["sampleIds"].tolist() == v["sampleIds"]


def test_registrations_and_run_specs_write_the_javas_bytes(vectors):
    for v in vectors["SampleRegistered"]:
        assert admin.encode_sample(v["sampleId"], v["dataset"], v["label"], v["uri"], v["registeredAt"]).hex() == v["hex"]
    for v in vectors["RunSpec"]:
        fields = {k: v[k] for k in v if k != "hex"}
        assert codec.encode_record("RunSpec", fields).hex() == v["hex"]
        assert codec.decode_record("RunSpec", bytes.fromhex(v["hex"])) == fields


def test_keys_are_partitioned_as_javas_default_partitioner(vectors):
    for v in vectors["murmur2"]:
        assert codec.murmur2(v["key"].encode("utf-8")) == v["murmur2"]
        assert codec.partition_of(v["key"], 6) == v["partitionOf6"]


def test_large_batches_and_every_varint_width_round_trip():
    rng = np.random.default_rng(3)
    for n in (0, 1, 128, 1024, 8192):
        ids = rng.integers(0, 2 ** 62, n, dtype=np.int64)
        ids[: n // 3] = rng.integers(0, 200, n // 3)
        ids[n // 3: n // 2] *= -1
        batch = codec.IndexBatch("r", 2 ** 40, 5, ids, rng.random(n, dtype=np.float32), rng.random(n), "p", "q", -1)
        back = codec.decode_index_batch(codec.encode_index_batch(batch))
        assert back.sample_ids.tolist() == ids.tolist()
        assert back.weights.tolist() == batch.weights.tolist()


def test_records_that_are_not_index_batches_are_refused_with_the_reason():
    good = codec.encode_index_batch(codec.IndexBatch("r", 1, 0, np.arange(5), np.ones(5, np.float32), np.ones(5),
                                                     "u", "u", 0))
    with pytest.raises(codec.ContractError, match="truncated"):
        codec.decode_index_batch(good[:-7])
    with pytest.raises(codec.ContractError, match="marker"):
        codec.decode_index_batch(b"\x00\x01" + good[2:])
    with pytest.raises(codec.ContractError, match="unknown schema"):
        codec.decode_index_batch(good[:2] + bytes(8) + good[10:])
    with pytest.raises(codec.ContractError, match="after its last field"):
        codec.decode_index_batch(good + b"\x00")
    with pytest.raises(codec.ContractError, match="column"):
        codec.encode_prediction_batch("r", 0, 0, 0, 0.0, "t", 0, [1, 2], [1], [0.5], [0.5], [0.5], [1])
