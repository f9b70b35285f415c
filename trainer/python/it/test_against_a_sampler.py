"""The client against a real broker and sampler (run by infra's PythonClientIT, which starts them
and names the broker in ISGD_IT_BOOTSTRAP_SERVERS): data-parallel ranks, resuming, and the errors
a user meets."""
import os
import threading
import uuid

import numpy as np
import pytest

import isgd

BOOTSTRAP = os.environ.get("ISGD_IT_BOOTSTRAP_SERVERS")
pytestmark = pytest.mark.skipif(not BOOTSTRAP, reason="needs a broker and a sampler (PythonClientIT)")


SAMPLES = 500
DATASET = "py-it-" + uuid.uuid4().hex[:6]


@pytest.fixture(scope="module", autouse=True)
def dataset():
    isgd.register(BOOTSTRAP, DATASET, [i % 10 for i in range(SAMPLES)])


def new_run(name, **kw):
    run = "%s-%s" % (name, uuid.uuid4().hex[:6])
    isgd.create_run(BOOTSTRAP, run, DATASET, batch_size=32, min_population=SAMPLES, **kw)
    return run


def test_each_data_parallel_rank_gets_its_batches_in_order():
    run = new_run("ranks", world_size=3, budget_batches=61, policy="early-importance")
    got = {}
    failures = []

    def train(rank):
        try:
            with isgd.Client(BOOTSTRAP, run, rank, timeout=60) as client:
                seqs = []
                rng = np.random.default_rng(rank)
                for indices in client:
                    batch = client.take()
                    assert list(batch.sample_ids) == indices and batch.rank == rank
                    logits = rng.normal(size=(len(indices), 10)).astype(np.float32)
                    client.report(batch, logits, rng.integers(0, 10, len(indices)))
                    seqs.append(batch.batch_seq)
                got[rank] = seqs
        except Exception as e:  # noqa: BLE001 (reported below, with the rank)
            failures.append((rank, e))

    threads = [threading.Thread(target=train, args=(r,)) for r in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not failures, failures
    # batch k goes to rank k mod 3; each rank's lead only moves with its own acknowledgements
    assert got == {r: list(range(r, 61, 3)) for r in range(3)}


def test_a_rank_outside_the_world_or_another_ranks_batch_is_refused():
    run = new_run("world", world_size=2, budget_batches=4)
    with pytest.raises(isgd.IsgdError, match="rank 2 outside run .*worldSize 2"):
        isgd.Client(BOOTSTRAP, run, rank=2)
    with pytest.raises(isgd.IsgdError, match="batch 1 is not rank 0's"):
        isgd.Client(BOOTSTRAP, run, rank=0, start_batch=1)


def test_an_unknown_run_says_how_to_create_it():
    with pytest.raises(isgd.IsgdError, match="no run 'no-such-run'.*create_run"):
        isgd.Client(BOOTSTRAP, "no-such-run", timeout=10)


def test_no_broker_says_so_instead_of_hanging():
    with pytest.raises(isgd.IsgdError, match="cannot reach Kafka at 127.0.0.1:1 .*is the broker running"):
        isgd.Client("127.0.0.1:1", "r1", timeout=3)


def test_a_finished_run_is_refused():
    run = new_run("done", budget_batches=4, state="FINISHED")
    with pytest.raises(isgd.IsgdError, match="is FINISHED"):
        isgd.Client(BOOTSTRAP, run)


def test_a_paused_run_says_why_no_batch_comes():
    run = new_run("paused", budget_batches=4, state="PAUSED")
    with isgd.Client(BOOTSTRAP, run, timeout=3) as client:
        with pytest.raises(isgd.IsgdError, match="is PAUSED: the sampler emits batches only for ACTIVE runs"):
            next(iter(client))


def test_a_resumed_client_starts_after_the_last_reported_batch_and_a_fresh_one_at_the_start():
    run = new_run("resume", budget_batches=6)
    with isgd.Client(BOOTSTRAP, run, timeout=60) as client:
        for n, _ in enumerate(client):
            batch = client.take()
            client.report(batch, np.zeros((len(batch), 10), np.float32), np.zeros(len(batch), np.int64))
            if n == 2:
                break
    with isgd.Client(BOOTSTRAP, run, timeout=60) as client:
        assert client.first_batch_seq == 3
        assert len(client) == 3
        assert [client.take().batch_seq for _ in client] == [3, 4, 5]
    with isgd.Client(BOOTSTRAP, run, fresh=True, timeout=10) as client:
        assert client.first_batch_seq == 0
