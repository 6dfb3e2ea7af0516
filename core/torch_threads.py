"""How many CPU threads PyTorch uses, set explicitly around each piece of work.

The count matters twice: sums are split per thread, so it changes a cloak's last bits (and a cloak's
optimisation turns those into different pixels); and waiting threads make small networks many times
slower whenever other work holds the cores. ``set_num_threads`` also stops MKL from choosing a count
of its own at run time.
"""
from __future__ import annotations

from contextlib import contextmanager

import torch

MACHINE_THREADS = torch.get_num_threads()  # PyTorch's own choice for this machine, read at start-up


@contextmanager
def torch_threads(count: int = MACHINE_THREADS):
    """Run the block with ``count`` intra-op threads in this thread, then restore the previous count."""
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
