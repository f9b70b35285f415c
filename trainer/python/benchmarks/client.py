#!/usr/bin/python3
"""The Python client's own cost per batch, at 128 and 1024 samples: decoding an IndexBatch (the
reader thread), report() (the training thread), and computing the predictions, encoding and
producing the PredictionBatch (the sender thread), each timed alone on this machine, the producer
sending to a real broker. Needs a broker with the contract topics (the record goes to a run this
script creates; no sampler is needed).

    /usr/bin/python3 trainer/python/benchmarks/client.py --bootstrap-servers 127.0.0.1:9092
"""
import argparse
import os
import platform
import sys
import time
import uuid

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import isgd  # noqa: E402
from isgd import codec  # noqa: E402
from isgd.client import predictions  # noqa: E402


def per_call(fn, repeat):
    fn()  # warm
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat * 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", default="127.0.0.1:9092")
    parser.add_argument("--batches", type=int, default=2000)
    args = parser.parse_args()
    run = "py-bench-" + uuid.uuid4().hex[:8]
    isgd.create_run(args.bootstrap_servers, run, "bench", batch_size=128)
    client = isgd.Client(args.bootstrap_servers, run, timeout=30)
    rng = np.random.default_rng(0)
    print("rows  decode µs  report µs (training thread)  predictions+encode+send µs (sender)  total µs")
    for rows in (128, 1024):
        batch = codec.IndexBatch(run, 0, 0, rng.integers(0, 60000, rows), np.ones(rows, np.float32),
                                 np.full(rows, 1 / 60000), "uniform", "uniform", 0)
        raw = codec.encode_index_batch(batch)
        decode = per_call(lambda: codec.decode_index_batch(raw), args.batches)
        logits = torch.randn(rows, 10)
        targets = torch.randint(0, 10, (rows,))
        loss = torch.tensor(0.5)
        client.flush()
        before = dict(client.stats)
        spent = 0.0
        for _ in range(args.batches // 4):  # one report at a time, as a training loop makes them
            started = time.perf_counter()
            client.report(batch, logits, targets, train_loss=loss)
            spent += time.perf_counter() - started
            client.flush()
        report = spent / (args.batches // 4) * 1e6
        sender = (client.stats["encode_s"] - before["encode_s"]) / (client.stats["batches"] - before["batches"]) * 1e6
        # the sender's work alone, without the threads' hand-over: predictions + encode + produce
        y = targets.numpy()

        def send_alone():
            p, l, g, pred = predictions(logits.numpy(), y)
            value = codec.encode_prediction_batch(run, 0, 0, 1, 0.5, "bench", 0, batch.sample_ids, y, p, l, g, pred)
            client._producer.produce("isgd.prediction-batches", value=value, key=run.encode())
            client._producer.poll(0)

        alone = per_call(send_alone, args.batches)
        client._producer.flush(30)
        print("%-5d %9.0f  %27.0f  %35.0f  %8.0f   (sender timed alone: %.0f µs)"
              % (rows, decode, report, sender, decode + report + sender, alone))
    client.close()
    print("python %s, torch %s, numpy %s, %s, %s" % (platform.python_version(), torch.__version__, np.__version__,
                                                      platform.processor() or platform.machine(), platform.platform()))


if __name__ == "__main__":
    main()
