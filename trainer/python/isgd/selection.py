"""Candidate batches: what a trainer trains of a ``presample`` batch (docs/contract.md, "Candidate batches").

A run whose ``RunSpec.params`` sets ``presample`` k > 1 (policies ``upper-bound`` and
``selective-backprop``) gets batches of k·B uniform candidates, phase ``presample``. The trainer
scores them with a gradient-free forward pass, ``CandidateSelection.select`` picks the B rows to
train with their weights by the policy's rule on the fresh scores, and the trainer reports every
candidate's prediction with ``trained`` flagging the selection::

    with torch.no_grad():
        scores = model(x)                                   # all k·B candidates
    chosen = client.select(batch, scores, y)
    rows = torch.as_tensor(chosen.positions)
    loss = (F.cross_entropy(model(x[rows]), y[rows], reduction="none")
            * torch.as_tensor(chosen.weights)).mean()
    ...
    client.report(batch, scores, y, train_loss=loss, trained=chosen.trained)

The rules are the same as the Java trainer's (``org.isgd.contract.CandidateSelection``).
"""
from dataclasses import dataclass

import numpy as np

PHASE = "presample"
PRESAMPLE = "presample"
UPPER_BOUND = "upper-bound"
SELECTIVE_BACKPROP = "selective-backprop"
RHO_LOSS = "rho-loss"
DEFAULT_RHO_PRESAMPLE = 4
RULES = (UPPER_BOUND, SELECTIVE_BACKPROP, RHO_LOSS)
MOMENTUM = 0.9
DEFAULTS = {"tauThreshold": 1.5, "epsilon": 0.0, "maxWeight": 10.0, "beta": 3.0, "minProb": 0.05, "history": 1024}


@dataclass
class Selection:
    """``positions``: the trained rows' candidate positions (one may repeat); ``weights``: their loss
    weights; ``trained``: per candidate, whether the step uses it; ``phase``: importance, uniform or
    selective; ``tau``: upper-bound's τ after this batch (NaN for selective-backprop)."""
    positions: np.ndarray
    weights: np.ndarray
    trained: np.ndarray
    phase: str
    tau: float


def presample(params, policy=None):
    """k of a run's params: 1 when absent (rho-loss: 4)."""
    return int(round((params or {}).get(PRESAMPLE, DEFAULT_RHO_PRESAMPLE if policy == RHO_LOSS else 1.0)))


class CandidateSelection:
    """The candidate rule of one rank of a run; it keeps the rule's running state (τ's average, the
    recent losses), which starts afresh when the trainer restarts.

    * ``upper-bound`` (Katharopoulos & Fleuret 2018): τ_b = √(n·Σg²)/Σg over the n candidates' fresh
      gradient-norm bounds, τ its bias-corrected exponential average (momentum 0.9). While τ >
      tauThreshold: B draws with replacement, p_j = (1 − ε)·g_j/Σg + ε/n, weight min(maxWeight,
      1/(n·p_j)); otherwise the first B candidates, weight 1.
    * ``selective-backprop`` (Jiang et al. 2019): pct_j the fraction of the last ``history`` scored
      losses ≤ the fresh loss (1 with none yet), keep weight p_j = ε + (1 − ε)·max(minProb, pct_j^β);
      B candidates without replacement ∝ p_j (the B largest ln(u_j)/p_j), weight 1.
    * ``rho-loss`` (Mindermann et al. 2022): the B candidates of highest reducible loss loss_j − IL_j,
      IL_j from ``irreducible`` (by sample id; 0 where NaN or absent), ties to the earlier position.
    """

    def __init__(self, policy, params, batch_size, seed=0):
        if policy not in RULES:
            raise ValueError("policy %r has no candidate rule; presample works with %s" % (policy, ", ".join(RULES)))
        p = dict(DEFAULTS, **(params or {}))
        self.policy = policy
        self.batch_size = batch_size
        self.presample = presample(params, policy)
        #: rho-loss: irreducible loss by sample id (numpy array; NaN = none)
        self.irreducible = np.zeros(0, dtype=np.float32)
        self.tau_threshold = p["tauThreshold"]
        self.epsilon = p["epsilon"]
        self.max_weight = p["maxWeight"]
        self.beta = p["beta"]
        self.min_prob = p["minProb"]
        self._history = np.zeros(int(p["history"]), dtype=np.float32)
        self._count = 0
        self._next = 0
        self._average = 0.0
        self._windows = 0
        self._random = np.random.default_rng(seed)

    @classmethod
    def for_run(cls, spec, rank=0):
        """The rule of a RunSpec (a dict, as ``isgd.read_run`` returns it), or None without presample."""
        params = spec.get("params") or {}
        if spec["policy"] not in RULES or presample(params, spec["policy"]) <= 1:
            return None
        return cls(spec["policy"], params, spec["batchSize"], seed=(spec.get("seed") or 0) * 1000003 + rank)

    def select(self, loss, grad_norm_bound, sample_ids=None):
        """The rows to train, from every candidate's fresh loss and gradient-norm bound (numpy or lists);
        rho-loss also needs the candidates' ``sample_ids``."""
        loss = np.asarray(loss, dtype=np.float32)
        g = np.asarray(grad_norm_bound, dtype=np.float64)
        if len(loss) != len(g) or len(loss) == 0:
            raise ValueError("candidate scores: %d losses and %d gradient-norm bounds; need the same, non-zero "
                             "number" % (len(loss), len(g)))
        if self.policy == UPPER_BOUND:
            return self._upper_bound(g)
        if self.policy == SELECTIVE_BACKPROP:
            return self._selective_backprop(loss)
        return self._reducible(loss, np.asarray(sample_ids, dtype=np.int64))

    def _reducible(self, loss, ids):
        n = len(loss)
        b = min(self.batch_size, n)
        inside = (ids >= 0) & (ids < len(self.irreducible))
        il = np.zeros(n, dtype=np.float64)
        il[inside] = self.irreducible[ids[inside]]
        score = loss - np.nan_to_num(il, nan=0.0)
        positions = np.sort(np.argsort(-score, kind="stable")[:b])
        trained = np.zeros(n, dtype=bool)
        trained[positions] = True
        return Selection(positions, np.ones(b, dtype=np.float32), trained, "reducible", float("nan"))

    def _upper_bound(self, g):
        n = len(g)
        b = min(self.batch_size, n)
        total = g.sum()
        batch_tau = float(np.sqrt(n * (g * g).sum()) / total) if total > 0 else 1.0
        self._average = MOMENTUM * self._average + (1 - MOMENTUM) * batch_tau
        self._windows += 1
        tau = self._average / (1 - MOMENTUM ** self._windows)
        trained = np.zeros(n, dtype=bool)
        if not tau > self.tau_threshold or total <= 0:
            trained[:b] = True
            return Selection(np.arange(b), np.ones(b, dtype=np.float32), trained, "uniform", tau)
        p = (1 - self.epsilon) * g / total + self.epsilon / n
        positions = self._random.choice(n, size=b, replace=True, p=p / p.sum())
        weights = np.minimum(self.max_weight, 1.0 / (n * p[positions])).astype(np.float32)
        trained[positions] = True
        return Selection(positions, weights, trained, "importance", tau)

    def _selective_backprop(self, loss):
        n = len(loss)
        b = min(self.batch_size, n)
        history = np.sort(self._history[:self._count])
        pct = np.searchsorted(history, loss, side="right") / len(history) if len(history) else np.ones(n)
        keep = self.epsilon + (1 - self.epsilon) * np.maximum(self.min_prob, pct ** self.beta)
        keys = np.log(1.0 - self._random.random(n)) / keep
        positions = np.sort(np.argsort(-keys, kind="stable")[:b])
        trained = np.zeros(n, dtype=bool)
        trained[positions] = True
        size = len(self._history)  # the ring of the last `history` scored losses
        newest = loss[-size:]
        start = (self._next + n - len(newest)) % size
        self._history[(start + np.arange(len(newest))) % size] = newest
        self._next = (self._next + n) % size
        self._count = min(self._count + n, size)
        return Selection(positions, np.ones(b, dtype=np.float32), trained, "selective", float("nan"))
