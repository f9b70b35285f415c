"""The candidate rules of isgd.selection against their formulas (chi-square at fixed seeds)."""
import math

import numpy as np
import pytest

from isgd.selection import CandidateSelection

G = np.array([0.1, 0.2, 0.4, 0.8, 1.2, 0.05, 0.0, 1.0])


def chi_square_rejects(expected_p, counts, z=3.09):
    """Whether a chi-square test rejects counts ~ expected_p at about p = 0.001 (Wilson–Hilferty)."""
    counts = np.asarray(counts, dtype=np.float64)
    expected = np.asarray(expected_p) * counts.sum()
    statistic = ((counts - expected) ** 2 / expected).sum()
    df = len(counts) - 1
    critical = df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3
    return statistic > critical


def test_no_rule_without_presample():
    assert CandidateSelection.for_run({"policy": "upper-bound", "params": {}, "batchSize": 4}) is None
    assert CandidateSelection.for_run({"policy": "uniform", "params": {"presample": 4.0}, "batchSize": 4}) is None
    rule = CandidateSelection.for_run({"policy": "selective-backprop", "params": {"presample": 4.0}, "batchSize": 4,
                                       "seed": 1})
    assert rule.presample == 4
    with pytest.raises(ValueError):
        CandidateSelection("infobatch", {"presample": 2.0}, 4)


def test_upper_bound_resamples_proportional_to_the_fresh_bound_with_unbiased_weights():
    rule = CandidateSelection("upper-bound", {"presample": 2.0, "tauThreshold": 1.0, "maxWeight": 1e6}, 4, seed=7)
    p = G / G.sum()
    counts = np.zeros(len(G))
    for _ in range(5000):
        s = rule.select(np.zeros(len(G)), G)
        assert s.phase == "importance"
        np.testing.assert_allclose(s.weights, 1.0 / (len(G) * p[s.positions]), rtol=1e-5)
        assert s.trained[s.positions].all() and s.trained.sum() == len(set(s.positions.tolist()))
        np.add.at(counts, s.positions, 1)
    assert counts[6] == 0, "a zero bound is never drawn"
    keep = G > 0
    assert not chi_square_rejects(p[keep], counts[keep]), counts
    assert chi_square_rejects(np.full(keep.sum(), 1.0 / keep.sum()), counts[keep]), "and not uniform"


def test_upper_bound_switches_when_the_bias_corrected_tau_says_so():
    tau_g = math.sqrt(8 * (G * G).sum()) / G.sum()  # 1.3686
    below = CandidateSelection("upper-bound", {"presample": 2.0, "tauThreshold": 1.37}, 4)
    first = below.select(np.zeros(8), G)
    assert first.tau == pytest.approx(tau_g)
    assert first.phase == "uniform" and first.positions.tolist() == [0, 1, 2, 3]
    assert first.weights.tolist() == [1, 1, 1, 1] and first.trained.tolist() == [True] * 4 + [False] * 4
    above = CandidateSelection("upper-bound", {"presample": 2.0, "tauThreshold": 1.36}, 4)
    assert above.select(np.zeros(8), G).phase == "importance"
    second = above.select(np.zeros(8), np.full(8, 0.5))
    assert second.tau == pytest.approx((0.9 * 0.1 * tau_g + 0.1) / (1 - 0.81))


def test_selective_backprop_keeps_one_candidate_proportional_to_its_keep_weight():
    rule = CandidateSelection("selective-backprop", {"presample": 4.0, "history": 16.0, "beta": 2.0,
                                                     "minProb": 0.1}, 1, seed=7)
    history = np.array([1, 2, 3, 4], dtype=np.float32)
    losses = np.array([1.5, 2.5, 3.5, 4.5], dtype=np.float32)
    counts = np.zeros(4)
    for _ in range(20000):
        for _ in range(4):  # the window: four copies each of 1, 2, 3, 4
            rule.select(history, history)
        s = rule.select(losses, losses)
        assert len(s.positions) == 1 and s.weights.tolist() == [1.0]
        counts[s.positions[0]] += 1
    p = np.array([max(0.1, 0.0625), 0.25, 0.5625, 1.0])
    assert not chi_square_rejects(p / p.sum(), counts), counts
    assert chi_square_rejects(np.full(4, 0.25), counts)


def test_selective_backprop_trains_b_distinct_candidates_favouring_high_losses():
    rule = CandidateSelection("selective-backprop", {"presample": 4.0}, 32, seed=3)
    losses = np.arange(128, dtype=np.float32) / 128
    high = 0
    for _ in range(50):
        s = rule.select(losses, losses)
        assert len(s.positions) == 32 == len(set(s.positions.tolist())) == s.trained.sum()
        high += (s.positions >= 64).sum()
    assert high > 0.8 * 50 * 32, high


def test_rho_loss_trains_the_highest_reducible_losses():
    rule = CandidateSelection.for_run({"policy": "rho-loss", "params": {}, "batchSize": 2, "seed": 0})
    assert rule.presample == 4, "rho-loss presamples 4 by default"
    rule.irreducible = np.array([0.1, 0.1, 0.1, 2.5, 0.1, np.nan], dtype=np.float32)
    s = rule.select([0.2, 1.0, 0.9, 2.6, 0.5, 0.95], np.zeros(6), [0, 1, 2, 3, 9, 5])
    assert s.positions.tolist() == [1, 5] and s.weights.tolist() == [1, 1] and s.phase == "reducible"
    assert s.trained.tolist() == [False, True, False, False, False, True]
    assert CandidateSelection.for_run({"policy": "rho-loss", "params": {"presample": 1.0}, "batchSize": 2}) is None
