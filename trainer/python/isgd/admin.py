"""Creating runs and registering samples from Python: the records ``infra/isgd run create`` and
``infra/isgd register`` write, on the same topics."""
import struct
import time

from confluent_kafka import Producer

from . import codec
from .client import RUNS, SAMPLES, IsgdError

POLICIES = ("uniform", "early-importance", "upper-bound", "selective-backprop", "infobatch", "rho-loss")


def create_run(bootstrap_servers, run_id, dataset, policy="uniform", batch_size=128, params=None, seed=0,
               budget_batches=None, world_size=1, lead=8, min_population=None, state="ACTIVE", kafka_config=None):
    """Publishes a ``RunSpec`` on ``isgd.runs`` (an existing run of that id is updated). The sampler
    checks it and refuses a spec it cannot run with a dead letter that says why."""
    if policy not in POLICIES:
        raise IsgdError("unknown policy '%s': one of %s" % (policy, ", ".join(POLICIES)))
    if batch_size <= 0 or world_size <= 0 or lead < 0:
        raise IsgdError("batch_size and world_size must be > 0 and lead >= 0")
    if not run_id or "/" in run_id:
        raise IsgdError("run_id must be non-empty and without '/', was %r" % run_id)
    spec = {"runId": run_id, "dataset": dataset, "policy": policy,
            "params": {k: float(v) for k, v in (params or {}).items()}, "batchSize": batch_size, "seed": seed,
            "budgetBatches": budget_batches, "worldSize": world_size, "lead": lead,
            "minPopulation": min_population, "state": state}
    _send(bootstrap_servers, kafka_config, [(RUNS, run_id.encode("utf-8"), codec.encode_record("RunSpec", spec))])
    return spec


def encode_sample(sample_id, dataset, label, uri=None, registered_at=None):
    """A ``SampleRegistered`` value, encoded by hand (registering 60,000 samples through the Avro
    library would take seconds)."""
    out = bytearray(codec.header("SampleRegistered"))
    codec.write_long(out, sample_id)
    codec.write_string(out, dataset)
    codec.write_long(out, label)
    if uri is None:
        out.append(0)  # union branch 0: null
    else:
        out.append(2)  # union branch 1 (zig-zag 2): string
        codec.write_string(out, uri)
    codec.write_long(out, int(time.time() * 1000) if registered_at is None else registered_at)
    return bytes(out)


def register(bootstrap_servers, dataset, labels, sample_ids=None, uris=None, kafka_config=None):
    """Registers samples (``labels[i]`` is sample ``sample_ids[i]``'s label, ids 0..n-1 by default)."""
    if not dataset or "/" in dataset:
        raise IsgdError("dataset must be non-empty and without '/', was %r" % dataset)
    ids = range(len(labels)) if sample_ids is None else sample_ids
    now = int(time.time() * 1000)
    records = ((SAMPLES, struct.pack(">q", int(i)), encode_sample(int(i), dataset, int(label),
                                                                  None if uris is None else uris[n], now))
               for n, (i, label) in enumerate(zip(ids, labels)))
    return _send(bootstrap_servers, kafka_config, records)


def _send(bootstrap_servers, kafka_config, records):
    # One request in flight: registration often follows topic creation at once, and an idempotent producer with
    # several requests in flight to partitions created a moment earlier can lose them (KAFKA-15591, fixed in Kafka
    # 4.5): the first is refused by a broker that does not lead the partition yet, a later one is appended, and the
    # first one's retries are out of sequence from then on. See docs/operations.md.
    config = {"bootstrap.servers": bootstrap_servers, "acks": "all", "enable.idempotence": True,
              "max.in.flight.requests.per.connection": 1, "linger.ms": 20, "partitioner": "murmur2_random"}
    config.update(kafka_config or {})
    producer = Producer(config)
    failures = []

    def delivered(error, message):
        if error is not None:
            failures.append(error)

    sent = 0
    for topic, key, value in records:
        while True:
            try:
                producer.produce(topic, value=value, key=key, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.1)
        sent += 1
        if sent % 10000 == 0:
            producer.poll(0)
    if producer.flush(60) > 0:
        raise IsgdError("could not deliver every record to %s within 60 s: is the broker running?" % bootstrap_servers)
    if failures:
        raise IsgdError("%d records were not delivered: %s" % (len(failures), failures[0]))
    return sent
