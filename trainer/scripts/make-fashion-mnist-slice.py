#!/usr/bin/env python3
"""Cuts the small Fashion-MNIST slice the trainer's unit tests read.

Usage: make-fashion-mnist-slice.py [SOURCE_DIR] [TARGET_DIR]
Defaults: /usr/share/datasets/fashion-mnist -> trainer/src/test/resources/fashion-mnist-slice.
Writes the first 512 train and 256 test samples as IDX .gz files; gzip mtime is 0 so the
output is byte-for-byte reproducible.
"""
import gzip
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/datasets/fashion-mnist"
TARGET = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "src", "test", "resources", "fashion-mnist-slice")
COUNTS = {"train": 512, "t10k": 256}


def cut(name, count):
    with gzip.open(os.path.join(SOURCE, name + ".gz"), "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * (dims - 1), data[8:4 + 4 * dims]) if dims > 1 else ()
    item = 1
    for d in shape:
        item *= d
    header = struct.pack(">II", magic, count) + data[8:4 + 4 * dims]
    body = data[4 + 4 * dims: 4 + 4 * dims + count * item]
    with open(os.path.join(TARGET, name + ".gz"), "wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
            out.write(header + body)


os.makedirs(TARGET, exist_ok=True)
for split, count in COUNTS.items():
    cut(split + "-images-idx3-ubyte", count)
    cut(split + "-labels-idx1-ubyte", count)
