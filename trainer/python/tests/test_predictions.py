"""The per-sample figures the client reports, against their definitions computed with torch."""
import numpy as np
import pytest
import torch

from isgd.client import _columns_on_device, predictions


@pytest.mark.parametrize("scale", [1.0, 30.0, 1000.0])
def test_predictions_match_softmax_cross_entropy_and_the_gradient_norm_bound(scale):
    torch.manual_seed(0)
    logits = torch.randn(256, 10) * scale
    targets = torch.randint(0, 10, (256,))
    p_correct, loss, gnb, predicted = predictions(logits.numpy(), targets.numpy())
    p = torch.softmax(logits.double(), dim=1)
    expected_loss = torch.nn.functional.cross_entropy(logits.double(), targets, reduction="none")
    expected_gnb = (p - torch.nn.functional.one_hot(targets, 10).double()).norm(dim=1)
    assert np.allclose(p_correct, p.gather(1, targets.view(-1, 1)).squeeze(1).numpy(), atol=1e-6)
    assert np.allclose(loss, expected_loss.numpy(), rtol=1e-5, atol=1e-5)
    assert np.allclose(gnb, expected_gnb.numpy(), atol=1e-5)
    assert (predicted == logits.argmax(1).numpy()).all()
    assert ((0 <= p_correct) & (p_correct <= 1)).all() and (loss >= 0).all() and (gnb <= 2 ** 0.5).all()


def test_computed_on_the_device_they_are_the_same():
    torch.manual_seed(1)
    logits = torch.randn(64, 2000)
    targets = torch.randint(0, 2000, (64,))
    on_device = _columns_on_device(logits, targets).numpy()
    for column, host in zip(on_device, predictions(logits.numpy(), targets.numpy())):
        assert np.allclose(column, host, atol=1e-5)
