"""A trainer rank's connection to an isgd sampler: batches in, prediction batches out.

``Client`` is a ``torch.utils.data.Sampler`` of batches: pass it as ``DataLoader(...,
batch_sampler=client)``. A background thread reads the run's ``IndexBatch`` records from
``isgd.batches`` (``read_committed``, in order, this rank's only) ahead of the training loop;
``client.take()`` (or ``client.zip(loader)``) gives the batch that the loop's data came from, with
its weights and proposal probabilities; ``client.report(batch, logits, targets)`` computes every
sample's prediction from the logits on their device and publishes one ``PredictionBatch`` from
another background thread. See docs/contract.md for the records and guarantees.
"""
import queue
import threading
import time
import uuid
import warnings

import numpy as np
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition

from . import codec, selection

BATCHES = "isgd.batches"
PREDICTION_BATCHES = "isgd.prediction-batches"
RUNS = "isgd.runs"
IRREDUCIBLE_LOSSES = "isgd.irreducible-losses"
SAMPLES = "isgd.samples"


class IsgdError(RuntimeError):
    """What went wrong, and what to do about it."""


#: Up to this many classes the logits themselves go to the host; beyond, four columns computed on the device.
SMALL_CLASSES = 1024


def predictions(logits, targets):
    """Per row of ``(n, classes)`` logits: probability of the target class, cross-entropy loss,
    gradient-norm bound ||softmax - onehot||_2, and the argmax class (numpy, float32 / int32)."""
    z = np.asarray(logits, dtype=np.float64)
    rows = np.arange(len(z))
    top = z.max(axis=1)
    e = np.exp(z - top[:, None])
    total = e.sum(axis=1)
    logp_y = z[rows, targets] - top - np.log(total)
    p_y = np.exp(logp_y)
    d = e / total[:, None]
    d[rows, targets] -= 1.0  # softmax - onehot, directly: no cancellation when p_y is near 1
    gnb = np.sqrt((d * d).sum(axis=1))
    return (np.clip(p_y, 0, 1).astype(np.float32), np.maximum(-logp_y, 0).astype(np.float32),
            np.minimum(gnb, 2 ** 0.5).astype(np.float32), z.argmax(axis=1).astype(np.int32))


def _columns_on_device(logits, targets):
    """The four columns of :func:`predictions`, computed where the logits are (many classes)."""
    import torch
    logp = torch.log_softmax(logits, dim=1)
    y = targets.long().view(-1, 1)
    logp_y = logp.gather(1, y).squeeze(1)
    gnb = (logp.exp() - torch.zeros_like(logp).scatter_(1, y, 1.0)).norm(dim=1)
    return torch.stack([logp_y.exp().clamp(0, 1), (-logp_y).clamp(min=0), gnb.clamp(max=2 ** 0.5),
                        logp.argmax(dim=1).float()], dim=0)


def _config(bootstrap_servers, extra):
    config = {"bootstrap.servers": bootstrap_servers}
    config.update(extra or {})
    return config


def _check_reachable(consumer, bootstrap_servers, timeout):
    try:
        metadata = consumer.list_topics(timeout=timeout)
    except KafkaException as e:
        raise IsgdError("cannot reach Kafka at %s within %.0f s (%s): is the broker running?"
                        % (bootstrap_servers, timeout, e)) from None
    missing = [t for t in (BATCHES, PREDICTION_BATCHES, RUNS) if t not in metadata.topics]
    if missing:
        raise IsgdError("topics %s do not exist on %s: create the contract topics with 'infra/isgd topics'"
                        % (", ".join(missing), bootstrap_servers))
    return metadata


def _read_to_end(consumer, partitions, handle, timeout):
    """Reads ``partitions`` (assigned at their start offsets) up to their current end."""
    ends = {}
    for tp in partitions:
        _, high = consumer.get_watermark_offsets(tp, timeout=timeout)
        ends[tp.partition] = high
    consumer.assign(partitions)
    done = {tp.partition for tp in partitions if tp.offset >= ends[tp.partition]}
    deadline = time.monotonic() + timeout
    while len(done) < len(partitions):
        if time.monotonic() > deadline:
            raise IsgdError("could not read %s to its end within %.0f s" % (partitions[0].topic, timeout))
        message = consumer.poll(0.2)
        if message is None:
            # read_committed stops short of the high watermark at an open transaction: ask where it is
            for tp in consumer.position(partitions):
                if tp.offset >= ends[tp.partition] or tp.offset < 0 and ends[tp.partition] == 0:
                    done.add(tp.partition)
            continue
        if message.error():
            continue
        handle(message)
        if message.offset() + 1 >= ends[message.partition()]:
            done.add(message.partition())


def read_run(bootstrap_servers, run_id, kafka_config=None, timeout=30.0):
    """The run's ``RunSpec`` from the compacted ``isgd.runs``, as a dict; ``IsgdError`` if there is none."""
    consumer = Consumer(_config(bootstrap_servers, dict(kafka_config or {}, **{
        "group.id": "isgd-python-" + uuid.uuid4().hex, "enable.auto.commit": False,
        "isolation.level": "read_committed"})))
    try:
        metadata = _check_reachable(consumer, bootstrap_servers, timeout)
        partitions = [TopicPartition(RUNS, p, 0) for p in metadata.topics[RUNS].partitions]
        found = {}

        def keep(message):
            if message.key() == run_id.encode("utf-8"):
                found["spec"] = message.value()

        _read_to_end(consumer, partitions, keep, timeout)
    finally:
        consumer.close()
    if found.get("spec") is None:
        raise IsgdError("no run '%s' on %s: create it with isgd.create_run(...) or 'infra/isgd run create'"
                        % (run_id, RUNS))
    return codec.decode_record("RunSpec", found["spec"])


def read_irreducible_losses(bootstrap_servers, dataset, size, kafka_config=None, timeout=60.0):
    """The irreducible losses of ``dataset``'s samples 0..size-1 from ``isgd.irreducible-losses``
    (float32 numpy array, NaN where none was published; a later record's value wins)."""
    losses = np.full(size, np.nan, dtype=np.float32)
    consumer = Consumer(_config(bootstrap_servers, dict(kafka_config or {}, **{
        "group.id": "isgd-python-" + uuid.uuid4().hex, "enable.auto.commit": False,
        "isolation.level": "read_committed"})))
    try:
        metadata = _check_reachable(consumer, bootstrap_servers, timeout)
        if IRREDUCIBLE_LOSSES not in metadata.topics:
            raise IsgdError("no topic %s: publish irreducible losses first ('infra/isgd irreducible')"
                            % IRREDUCIBLE_LOSSES)
        partitions = [TopicPartition(IRREDUCIBLE_LOSSES, p, 0) for p in metadata.topics[IRREDUCIBLE_LOSSES].partitions]

        def keep(message):
            if message.key() != dataset.encode("utf-8"):
                return
            try:
                chunk = codec.decode_record("IrreducibleLosses", message.value())
                ids = np.frombuffer(chunk["sampleIds"], dtype="<i8")
                values = np.frombuffer(chunk["losses"], dtype="<f4")
                if len(ids) != chunk["count"] or len(values) != chunk["count"]:
                    raise ValueError("columns of %d and %d values for count %d" % (len(ids), len(values), chunk["count"]))
            except Exception as e:  # the sampler skips it too
                warnings.warn("skipped the record at %s-%d offset %d: not irreducible losses (%s)"
                              % (message.topic(), message.partition(), message.offset(), e))
                return
            inside = (ids >= 0) & (ids < size)
            losses[ids[inside]] = values[inside]

        _read_to_end(consumer, partitions, keep, timeout)
    finally:
        consumer.close()
    return losses


try:  # a torch Sampler where torch is installed; the client works without it too (DataLoader only iterates it)
    from torch.utils.data import Sampler as _Base
except ImportError:  # pragma: no cover
    _Base = object


class Client(_Base):
    """One rank of one run, as a PyTorch batch sampler; see the module's documentation.

    :param start_batch: the first batchSeq to train; by default the one after this rank's last
        acknowledged batch (so a restarted trainer resumes), or the rank for a new run
    :param fresh: start at the rank's first batch whatever was acknowledged
    :param prefetch: batches read ahead of the training loop at most
    :param timeout: seconds to wait for a batch before saying why none came
    """

    def __init__(self, bootstrap_servers, run_id, rank=0, *, trainer_id=None, start_batch=None, fresh=False,
                 prefetch=32, timeout=60.0, kafka_config=None):
        self.bootstrap_servers = bootstrap_servers
        self.run_id = run_id
        self.rank = rank
        self.trainer_id = trainer_id or "py-%s-%d-%s" % (run_id, rank, uuid.uuid4().hex[:8])
        self.timeout = timeout
        self._extra = dict(kafka_config or {})
        self.spec = read_run(bootstrap_servers, run_id, self._extra, timeout)
        if self.spec["state"] == "FINISHED":
            raise IsgdError("run %s is FINISHED: it gets no more batches (create a new run, or publish its spec "
                            "again with state ACTIVE)" % run_id)
        self.world_size = self.spec["worldSize"]
        #: the run's candidate rule when it sets presample (see :meth:`select`), else None
        self.candidates = selection.CandidateSelection.for_run(self.spec, rank)
        if not 0 <= rank < self.world_size:
            raise IsgdError("rank %d outside run %s's worldSize %d" % (rank, run_id, self.world_size))
        self.group = "isgd-trainer.%s.%d" % (run_id, rank)
        self._consumer = Consumer(_config(bootstrap_servers, dict(self._extra, **{
            "group.id": self.group, "isolation.level": "read_committed", "enable.auto.commit": True,
            "enable.auto.offset.store": False, "auto.offset.reset": "earliest", "auto.commit.interval.ms": 1000})))
        metadata = _check_reachable(self._consumer, bootstrap_servers, timeout)
        self._batch_partition = codec.partition_of(run_id, len(metadata.topics[BATCHES].partitions))
        self._report_partitions = len(metadata.topics[PREDICTION_BATCHES].partitions)
        if fresh:
            self.next_batch_seq = rank
        elif start_batch is not None:
            if start_batch % self.world_size != rank:
                raise IsgdError("batch %d is not rank %d's: batch k goes to rank k mod worldSize %d"
                                % (start_batch, rank, self.world_size))
            self.next_batch_seq = start_batch
        else:
            last = self._last_acknowledged()
            self.next_batch_seq = rank if last is None else last + self.world_size
        self.first_batch_seq = self.next_batch_seq  # where this client starts (next_batch_seq moves on as it reads)
        tp = TopicPartition(BATCHES, self._batch_partition)
        committed = None if fresh else self._consumer.committed([tp], timeout=timeout)[0].offset
        tp.offset = committed if committed is not None and committed >= 0 else 0
        self._consumer.assign([tp])
        self._producer = Producer(_config(bootstrap_servers, dict({
            "acks": "all", "enable.idempotence": True, "linger.ms": 0,
            "partitioner": "murmur2_random"}, **self._extra)))
        self._ready = queue.Queue(maxsize=prefetch)
        self._next_yield = self.next_batch_seq
        self._pending = []  # yielded to the loader, not yet taken
        self._positions = {}  # batchSeq -> (partition, offset) of a taken batch, until reported
        self._failure = None
        self.stats = {"decode_s": 0.0, "report_s": 0.0, "encode_s": 0.0, "batches": 0, "waited_s": 0.0}
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._read, name="isgd-batches", daemon=True)
        self._reader.start()
        self._outbox = queue.Queue(maxsize=64)
        self._sender = threading.Thread(target=self._send, name="isgd-reports", daemon=True)
        self._sender.start()

    # ---- where to start ----

    def _last_acknowledged(self):
        """This rank's last batchSeq on isgd.prediction-batches (its acknowledgements), read from the end."""
        consumer = Consumer(_config(self.bootstrap_servers, dict(self._extra, **{
            "group.id": "isgd-python-" + uuid.uuid4().hex, "enable.auto.commit": False,
            "isolation.level": "read_committed"})))
        try:
            partition = codec.partition_of(self.run_id, self._report_partitions)
            tp = TopicPartition(PREDICTION_BATCHES, partition)
            low, high = consumer.get_watermark_offsets(tp, timeout=self.timeout)
            window = 1024
            while True:
                start = max(low, high - window)
                last = {}

                def keep(message):
                    value = message.value()
                    if message.key() == self.run_id.encode("utf-8") and value[:10] == codec.PREDICTION_BATCH_HEADER:
                        batch = codec.decode_prediction_batch(value)
                        if batch.rank == self.rank:
                            last["seq"] = max(last.get("seq", -1), batch.batch_seq)

                _read_to_end(consumer, [TopicPartition(PREDICTION_BATCHES, partition, start)], keep, self.timeout)
                if "seq" in last or start == low:
                    return last.get("seq")
                window *= 8
        finally:
            consumer.close()

    # ---- batches in ----

    def _read(self):
        try:
            while not self._stop.is_set():
                message = self._consumer.poll(0.2)
                if message is None:
                    continue
                if message.error():
                    if message.error().fatal():
                        raise IsgdError("reading %s failed: %s" % (BATCHES, message.error()))
                    continue
                if message.key() != self.run_id.encode("utf-8"):
                    continue
                started = time.perf_counter()
                batch = codec.decode_index_batch(message.value())
                self.stats["decode_s"] += time.perf_counter() - started
                if batch.rank != self.rank or batch.batch_seq < self.next_batch_seq:
                    continue  # another rank's, or already trained (a redelivery)
                if batch.batch_seq > self.next_batch_seq:
                    raise IsgdError("gap in %s for run %s rank %d: expected batchSeq %d, got %d (partition %d offset "
                                    "%d); batches were lost or the trainer started at the wrong batch"
                                    % (BATCHES, self.run_id, self.rank, self.next_batch_seq, batch.batch_seq,
                                       message.partition(), message.offset()))
                self.next_batch_seq += self.world_size
                while not self._stop.is_set():
                    try:
                        self._ready.put((batch, message.partition(), message.offset()), timeout=0.2)
                        break
                    except queue.Full:
                        continue
        except Exception as e:  # handed to the training thread, which raises it
            self._failure = e
            try:
                self._ready.put_nowait(None)
            except queue.Full:
                pass

    def _last_batch(self):
        budget = self.spec.get("budgetBatches")
        if budget is None:
            return None
        last = budget - 1 - ((budget - 1 - self.rank) % self.world_size)
        return last if last >= self.rank else -1

    def __len__(self):
        last = self._last_batch()
        if last is None:
            raise TypeError("run %s has no budget: its length is unbounded" % self.run_id)
        return max(0, (last - self._next_yield) // self.world_size + 1)

    def __iter__(self):
        last = self._last_batch()
        while last is None or self._next_yield <= last:
            started = time.perf_counter()
            batch, partition, offset = self._next()
            self.stats["waited_s"] += time.perf_counter() - started
            self._next_yield = batch.batch_seq + self.world_size
            self._pending.append((batch, partition, offset))
            yield batch.sample_ids.tolist()

    def _next(self):
        deadline = time.monotonic() + self.timeout
        while True:
            if self._failure is not None:
                raise self._failure
            try:
                item = self._ready.get(timeout=0.2)
            except queue.Empty:
                if time.monotonic() > deadline:
                    raise IsgdError(self._why_no_batch()) from None
                continue
            if item is None:
                raise self._failure
            return item

    def _why_no_batch(self):
        expected = self.next_batch_seq - self.world_size * self._ready.qsize()
        try:
            spec = read_run(self.bootstrap_servers, self.run_id, self._extra, 10.0)
        except IsgdError as e:
            return "no batch %d for run %s within %.0f s: %s" % (expected, self.run_id, self.timeout, e)
        if spec["state"] != "ACTIVE":
            return "run %s is %s: the sampler emits batches only for ACTIVE runs" % (self.run_id, spec["state"])
        return ("no batch %d for run %s rank %d within %.0f s: check that a sampler is running against %s and that "
                "this trainer's prediction batches reach it (the sampler emits at most `lead` batches ahead of them)"
                % (expected, self.run_id, self.rank, self.timeout, self.bootstrap_servers))

    def take(self):
        """The batch the training loop's next data comes from (batches come in the order yielded)."""
        if not self._pending:
            raise IsgdError("no batch to take: iterate the client (or a DataLoader over it) first")
        batch, partition, offset = self._pending.pop(0)
        self._positions[batch.batch_seq] = (partition, offset)
        return batch

    def zip(self, loader):
        """Yields ``(batch, data)`` for each element of a DataLoader built on this client."""
        for data in loader:
            yield self.take(), data

    # ---- candidate batches ----

    def use_irreducible_losses(self, dataset_size):
        """A rho-loss run: reads the irreducible losses of the run's dataset's samples 0..dataset_size-1
        from ``isgd.irreducible-losses`` into the candidate rule (call once, before training)."""
        losses = read_irreducible_losses(self.bootstrap_servers, self.spec["dataset"], dataset_size, self._extra,
                                         self.timeout)
        if np.isnan(losses).all():
            raise IsgdError("no irreducible losses of dataset %s on %s: publish them first ('infra/isgd irreducible')"
                            % (self.spec["dataset"], IRREDUCIBLE_LOSSES))
        self.candidates.irreducible = losses

    def select(self, batch, logits, targets):
        """What to train of a candidate batch (phase ``presample``): the run's rule applied to the
        fresh scores of ``logits`` ``(k·B, classes)`` from a gradient-free forward pass over every
        candidate; a :class:`isgd.selection.Selection` (positions, weights, trained, phase). Report
        the batch with those logits and ``trained=selection.trained``."""
        if self.candidates is None:
            raise IsgdError("run %s has no presample parameter (or its policy %s has no candidate rule): its "
                            "batches are trained whole" % (self.run_id, self.spec["policy"]))
        if batch.phase != selection.PHASE:
            raise IsgdError("batch %d of run %s is not a candidate batch (phase %s)"
                            % (batch.batch_seq, self.run_id, batch.phase))
        if hasattr(logits, "detach"):
            logits, targets = logits.detach().float().cpu().numpy(), targets.detach().cpu().numpy()
        _, loss, gnb, _ = predictions(np.asarray(logits), np.asarray(targets, dtype=np.int64))
        return self.candidates.select(loss, gnb, batch.sample_ids)

    # ---- predictions out ----

    def report(self, batch, logits, targets, train_loss=None, trained=None, sample_ids=None):
        """Publishes what the forward pass found for ``batch`` (its acknowledgement, too).

        ``logits`` ``(n, classes)`` and ``targets`` ``(n,)`` may be on any device: they are copied
        to the host without waiting (CUDA) and the per-sample probability of the true class, loss,
        gradient-norm bound and predicted class are computed and sent from a background thread, so
        the training step goes on at once. (With more than 1,024 classes they are computed on the
        device first and only those four columns are copied.) Rows are the batch's samples in
        order unless ``sample_ids`` says otherwise (candidates: then ``trained`` flags the rows the
        step trained on). ``train_loss`` (a number or tensor) is recorded with the batch.
        """
        self._raise_failure()
        started = time.perf_counter()
        if hasattr(logits, "detach"):
            import torch
            with torch.no_grad():
                values = logits.detach()
                columns = values.shape[1] > SMALL_CLASSES
                if columns:
                    values = _columns_on_device(values.float(), targets.detach())
                loss = train_loss.detach().float().reshape(()) if torch.is_tensor(train_loss) else train_loss
                values, y = (t.to("cpu", non_blocking=True) if t.is_cuda else t for t in (values, targets.detach()))
                if torch.is_tensor(loss) and loss.is_cuda:
                    loss = loss.to("cpu", non_blocking=True)
                done = None
                if logits.is_cuda:
                    done = torch.cuda.Event()
                    done.record()
                item = (batch, values, columns, y, loss, done)
        else:  # numpy arrays
            item = (batch, np.asarray(logits), False, np.asarray(targets), train_loss, None)
        self._outbox.put(item + (trained, sample_ids, int(time.time() * 1000)))
        self.stats["report_s"] += time.perf_counter() - started
        self.stats["batches"] += 1

    def _send(self):
        try:
            while True:
                item = self._outbox.get()
                if item is None:
                    return
                batch, values, columns, targets, loss, done, trained, sample_ids, timestamp = item
                if done is not None:
                    done.synchronize()
                started = time.perf_counter()
                values = values.numpy() if hasattr(values, "numpy") else values
                y = (targets.numpy() if hasattr(targets, "numpy") else targets).astype(np.int64, copy=False)
                if columns:  # computed on the device already
                    p_correct, loss_col, gnb, predicted = values[0], values[1], values[2], values[3].astype(np.int32)
                else:
                    p_correct, loss_col, gnb, predicted = predictions(values, y)
                loss = float(loss) if loss is not None else None
                if loss is None:
                    loss = float(np.mean(loss_col * batch.weights)) if len(loss_col) == len(batch.weights) \
                        else float(np.mean(loss_col))
                ids = batch.sample_ids if sample_ids is None else np.asarray(sample_ids)
                value = codec.encode_prediction_batch(
                    self.run_id, batch.rank, batch.batch_seq, batch.batch_seq // self.world_size + 1,
                    float(loss), self.trainer_id, timestamp, ids, y.astype(np.int32), p_correct, loss_col, gnb,
                    predicted, trained=trained)
                position = self._positions.pop(batch.batch_seq, None)
                self._producer.produce(PREDICTION_BATCHES, value=value, key=self.run_id.encode("utf-8"),
                                       on_delivery=lambda error, message, at=position: self._delivered(error, at))
                self._producer.poll(0)
                self.stats["encode_s"] += time.perf_counter() - started
        except Exception as e:
            self._failure = e

    def _delivered(self, error, position):
        if error is not None:
            self._failure = IsgdError("publishing a prediction batch of run %s failed: %s" % (self.run_id, error))
        elif position is not None:
            # the consumer position moves past a batch once its prediction batch is in: a restarted trainer
            # trains at most the batches whose position was not committed yet (the sampler ignores repeats)
            self._consumer.store_offsets(offsets=[TopicPartition(BATCHES, position[0], position[1] + 1)])

    def _raise_failure(self):
        if self._failure is not None:
            raise self._failure

    def flush(self, timeout=30.0):
        """Waits until every reported batch is sent."""
        while not self._outbox.empty():
            self._raise_failure()
            time.sleep(0.01)
        if self._producer.flush(timeout) > 0:
            raise IsgdError("prediction batches of run %s still unsent after %.0f s" % (self.run_id, timeout))
        self._raise_failure()

    def close(self):
        """Sends what was reported, stops reading, and leaves the position for a restart."""
        try:
            self.flush()
        finally:
            self._outbox.put(None)
            self._stop.set()
            self._reader.join(5)
            self._sender.join(5)
            self._consumer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
