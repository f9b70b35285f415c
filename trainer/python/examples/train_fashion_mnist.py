#!/usr/bin/python3
"""Train a small CNN on Fashion-MNIST with batches drawn by an isgd sampler (or, with
--sampler random, a plain RandomSampler: the baseline to compare with), on CUDA when there is one.

With a broker and a sampler running (e.g. `infra/isgd broker` and `infra/isgd sampler`):

    /usr/bin/python3 trainer/python/examples/train_fashion_mnist.py --register --create --run-id py1
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import BatchSampler, DataLoader, RandomSampler, TensorDataset

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import isgd  # noqa: E402  (the package from this checkout when it is not installed)

DATA_DIRS = [os.environ.get("ISGD_DATA", ""), os.path.expanduser("~/.isgd/data/fashion-mnist"),
             "/usr/share/datasets/fashion-mnist"]


def load(split, limit=None):
    """Images (float, normalised) and labels of a split, from the IDX files."""
    prefix = "train" if split == "train" else "t10k"
    for d in DATA_DIRS:
        images = os.path.join(d, prefix + "-images-idx3-ubyte.gz")
        if d and os.path.exists(images):
            with gzip.open(images) as f:
                x = np.frombuffer(f.read(), dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)
            with gzip.open(os.path.join(d, prefix + "-labels-idx1-ubyte.gz")) as f:
                y = np.frombuffer(f.read(), dtype=np.uint8, offset=8).astype(np.int64)
            n = len(y) if limit is None else min(limit, len(y))
            return torch.from_numpy((x[:n].astype(np.float32) / 255.0 - 0.2860) / 0.3530), torch.from_numpy(y[:n])
    sys.exit("Fashion-MNIST not found in %s: apt-get install -y dataset-fashion-mnist, or set ISGD_DATA"
             % ", ".join(d for d in DATA_DIRS if d))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def accuracy(model, x, y, device):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(y), 1000):
            correct += (model(x[i:i + 1000].to(device)).argmax(1).cpu() == y[i:i + 1000]).sum().item()
    model.train()
    return correct / len(y)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", default=os.environ.get("ISGD_BOOTSTRAP_SERVERS", "127.0.0.1:9092"))
    parser.add_argument("--run-id", default="py-fashion-mnist")
    parser.add_argument("--rank", type=int, default=0, help="this trainer's rank in the run's worldSize")
    parser.add_argument("--sampler", choices=["isgd", "random"], default="isgd")
    parser.add_argument("--policy", default="uniform", help="with --create")
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="with --create")
    parser.add_argument("--epochs", type=float, default=3)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--limit", type=int, help="use only the first N training samples")
    parser.add_argument("--register", action="store_true", help="register the training samples first")
    parser.add_argument("--create", action="store_true", help="create the run (its budget: --epochs)")
    parser.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's)")
    parser.add_argument("--stop-after", type=int, help="stop after this many batches (run again to resume)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x, y = load("train", args.limit)
    test_x, test_y = load("test")
    batches = int(args.epochs * len(y) / args.batch_size + 0.999)
    model = Net().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = TensorDataset(x, y)

    client = None
    if args.sampler == "random":
        loader = DataLoader(data, batch_sampler=BatchSampler(RandomSampler(data, replacement=True,
                                                                           num_samples=batches * args.batch_size),
                                                             args.batch_size, drop_last=False))
        pairs = ((None, d) for d in loader)
    else:
        if args.register:
            isgd.register(args.bootstrap_servers, "fashion-mnist", y.tolist())
        if args.create:
            params = dict(p.split("=", 1) for p in args.param)
            isgd.create_run(args.bootstrap_servers, args.run_id, "fashion-mnist", policy=args.policy,
                            batch_size=args.batch_size, budget_batches=batches, min_population=len(y),
                            params={k: float(v) for k, v in params.items()}, seed=args.seed)
        client = isgd.Client(args.bootstrap_servers, args.run_id, rank=args.rank)
        if client.spec["policy"] == isgd.selection.RHO_LOSS:
            client.use_irreducible_losses(len(y))  # published by 'infra/isgd irreducible'
        print("run %s rank %d: starting at batch %d" % (args.run_id, args.rank, client.first_batch_seq), flush=True)
        loader = DataLoader(data, batch_sampler=client)
        pairs = client.zip(loader)

    trained = 0
    scored = 0
    started = None
    for batch, (bx, by) in pairs:                                    # batch: weights, probabilities, batch_seq
        if started is None:
            started = time.perf_counter()
        bx, by = bx.to(device, non_blocking=True), by.to(device, non_blocking=True)
        chosen = None
        if batch is not None and batch.phase == isgd.selection.PHASE:  # k·B candidates: score, then select B
            with torch.no_grad():
                scores = model(bx)
            chosen = client.select(batch, scores, by)
            rows = torch.as_tensor(chosen.positions, device=device)
            train_x, train_y, weights = bx[rows], by[rows], torch.as_tensor(chosen.weights, device=device)
            scored += len(by)
        else:
            train_x, train_y = bx, by
            weights = torch.as_tensor(batch.weights, device=device) if batch is not None else 1.0
        logits = model(train_x)
        loss = (F.cross_entropy(logits, train_y, reduction="none") * weights).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if chosen is not None:  # every candidate's fresh prediction; trained flags the selection
            client.report(batch, scores, by, train_loss=loss, trained=chosen.trained)
        elif client is not None:
            client.report(batch, logits, by, train_loss=loss)         # predictions + acknowledgement, async
        trained += len(train_y)
        steps = trained // args.batch_size
        if steps % 200 == 0:
            print("batch %d, loss %.3f" % (steps, loss.item()), flush=True)
        if args.stop_after and steps >= args.stop_after:
            break
    if client is not None:
        client.close()
    if started is None:
        print("nothing left to train: the run's batches for this rank were all acknowledged")
        return
    seconds = time.perf_counter() - started
    print("trained %d batches (%d images) in %.1f s, %.0f images/s on %s" % (
        trained // args.batch_size, trained, seconds, trained / seconds, device))
    if scored:
        print("scored %d candidates with forward passes (presample), included in that time" % scored)
    if client is not None:
        s = client.stats
        print("client per batch: decode %.0f µs (reader thread), report %.0f µs, encode+send %.0f µs (sender "
              "thread), waited for batches %.0f µs" % tuple(1e6 * s[k] / max(1, s["batches"]) for k in
                                                         ("decode_s", "report_s", "encode_s", "waited_s")))
    print("test accuracy %.4f" % accuracy(model, test_x, test_y, device))


if __name__ == "__main__":
    main()
