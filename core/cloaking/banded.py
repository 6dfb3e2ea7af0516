"""The budget view's resize as banded matrix products: only the weights that can be non-zero are
multiplied.

A bicubic downscale from a ~400-px crop to 224 px gives each output pixel ~8 input taps, so the dense
(224 × 400) products of ``crops.BudgetView`` spend 98% of their work on zeros; on a CPU that was as
costly as the face network itself. Here each axis is cut into blocks of output rows; block j reads
one window of L input rows starting at ``first + j·step`` (the same L and step for all blocks, so the
windows are one strided view of the zero-padded input) and is one small matrix product. Forward and
backward are written out (``_Views``): autograd's own backward of overlapping strided views is slow.
About a third of the dense products' time on 400-px crops; the result agrees to float rounding.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

BLOCK = 32  # output rows per block


class Band:
    """One axis of a linear resize ``out = dense @ in`` (dense: (S, n)), stored as blocks."""

    def __init__(self, dense: torch.Tensor, block: int = BLOCK):
        size, n = dense.shape
        self.size, self.n = size, n
        nonzero = (dense != 0).cpu()
        any_row = nonzero.any(dim=1)
        lows = torch.where(any_row, nonzero.int().argmax(dim=1), n)
        highs = torch.where(any_row, n - nonzero.flip(1).int().argmax(dim=1), 0)
        # A row's window may start early, never late: the least start of it and of every later row, which
        # never decreases (so each block's first row starts it). An upscale's row can start after the next
        # one's, where a tap falls on a zero of the kernel; a row of zeros (the fill beyond the crop) needs
        # no input and takes its successors' start.
        lows = torch.cummin(lows.flip(0), dim=0).values.flip(0).clamp(max=n - 1)
        highs = torch.maximum(highs, lows)
        self.blocks = math.ceil(size / block)
        firsts = lows[::block].tolist()
        self.step = max(1, (firsts[-1] - firsts[0]) // max(1, self.blocks - 1))
        first = min(f - j * self.step for j, f in enumerate(firsts))
        padded_highs = F.pad(highs, (0, self.blocks * block - size)).view(self.blocks, block)
        ends = padded_highs.max(dim=1).values.tolist()
        self.window = max(1, max(e - (first + j * self.step) for j, e in enumerate(ends)))
        self.before = max(0, -first)
        self.start = first + self.before  # of window 0, in padded coordinates
        self.length = max(n + self.before, self.start + (self.blocks - 1) * self.step + self.window)
        # weights[j, r, k] = dense[j·block + r, first + j·step + k], zero outside the input
        rows = torch.arange(size)
        columns = first + (rows // block * self.step)[:, None] + torch.arange(self.window)[None, :]
        valid = (columns >= 0) & (columns < n)
        taken = torch.gather(dense.cpu(), 1, columns.clamp(0, n - 1)) * valid
        weights = F.pad(taken, (0, 0, 0, self.blocks * block - size)).view(self.blocks, block, self.window).to(dense.dtype)
        self.weights = weights.to(dense.device)
        self.weights_t = self.weights.transpose(1, 2).contiguous()
        covered = self.weights.reshape(-1, self.window).ne(0).sum()
        if int(covered) != int(nonzero.sum()):
            raise RuntimeError("internal error: the banded resize lost some of its weights")
        # windows that are two steps apart never overlap, so each parity's gradients add in one strided view
        self.parity_adds = self.window <= 2 * self.step

    def _windows(self, padded: torch.Tensor, start: int, count: int, stride_steps: int) -> torch.Tensor:
        c, _, w = padded.shape
        return padded.as_strided((c, count, self.window, w), (padded.stride(0), stride_steps * self.step * w, w, 1),
                                 padded.storage_offset() + start * w)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(C, n, W) → (C, S, W)."""
        c, n, w = x.shape
        padded = F.pad(x, (0, 0, self.before, self.length - n - self.before)).contiguous()
        out = torch.matmul(self.weights, self._windows(padded, self.start, self.blocks, 1))  # (C, J, block, W)
        return out.reshape(c, -1, w)[:, : self.size]

    def backward(self, grad: torch.Tensor) -> torch.Tensor:
        """The adjoint: (C, S, W) → (C, n, W)."""
        c, _, w = grad.shape
        grad = F.pad(grad, (0, 0, 0, self.blocks * self.weights.shape[1] - self.size)).reshape(c, self.blocks, -1, w)
        pieces = torch.matmul(self.weights_t, grad)  # (C, J, L, W)
        padded = grad.new_zeros((c, self.length, w))
        if self.parity_adds:
            for parity in (0, 1):
                count = len(range(parity, self.blocks, 2))
                if count:
                    self._windows(padded, self.start + parity * self.step, count, 2).add_(pieces[:, parity::2])
        else:
            for j in range(self.blocks):
                at = self.start + j * self.step
                padded[:, at : at + self.window].add_(pieces[:, j])
        return padded[:, self.before : self.before + self.n]


class FaceView:
    """One face's view: rows then columns, each a ``Band``."""

    def __init__(self, rows: torch.Tensor, cols: torch.Tensor):
        self.rows, self.cols = Band(rows), Band(cols)
        self.height, self.width = rows.shape[1], cols.shape[1]

    def forward(self, crop: torch.Tensor) -> torch.Tensor:
        """(C, h, w) → (C, S, S)."""
        tall = self.rows.forward(crop[:, : self.height, : self.width])
        return self.cols.forward(tall.transpose(1, 2)).transpose(1, 2)

    def backward(self, grad: torch.Tensor) -> torch.Tensor:
        tall = self.cols.backward(grad.transpose(1, 2)).transpose(1, 2)
        return self.rows.backward(tall)


class _Views(torch.autograd.Function):
    @staticmethod
    def forward(ctx, crops: torch.Tensor, views: list[FaceView]):
        ctx.views, ctx.shape = views, crops.shape
        return torch.stack([view.forward(crop) for view, crop in zip(views, crops)])

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        out = grad.new_zeros(ctx.shape)
        for i, view in enumerate(ctx.views):
            out[i, :, : view.height, : view.width] = view.backward(grad[i])
        return out, None


def banded_views(crops: torch.Tensor, views: list[FaceView]) -> torch.Tensor:
    """Each face's view (B, C, S, S) of padded crops (B, C, H, W): face i uses ``views[i]``."""
    return _Views.apply(crops, views)
