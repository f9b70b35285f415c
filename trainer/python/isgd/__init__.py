"""isgd's Python client: importance-sampled batches for a PyTorch training loop.

    client = isgd.Client("127.0.0.1:9092", run_id="r1")        # rank 0; resumes after its last batch
    loader = DataLoader(train_set, batch_sampler=client)
    for batch, (x, y) in client.zip(loader):
        logits = model(x)
        loss = (F.cross_entropy(logits, y, reduction="none") * torch.as_tensor(batch.weights)).mean()
        ...
        client.report(batch, logits, y)                         # predictions + acknowledgement, async

See docs/contract.md for the records and guarantees.
"""
from .admin import create_run, register
from .client import Client, IsgdError, read_irreducible_losses, read_run
from .codec import ContractError, IndexBatch
from .selection import CandidateSelection, Selection

__all__ = ["Client", "IsgdError", "ContractError", "IndexBatch", "CandidateSelection", "Selection", "create_run",
           "register", "read_run", "read_irreducible_losses"]
__version__ = "0.2.0"
