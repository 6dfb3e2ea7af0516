"""What every face-embedding network offers the rest of the program, whatever its origin."""
from __future__ import annotations

import torch


class FaceEmbedder(torch.nn.Module):
    """A differentiable face → vector network together with its own face crop.

    ``forward(image, landmarks)``:
      * ``image``: (B, 3, H, W) float RGB in 0..255; any size: a whole photo or a region cut from it;
      * ``landmarks``: (B, 5, 2) float (x, y) pixel positions, in that image, of dlib's 5-point model
        (see ``core.faces.Face``);
      * returns (B, D) features as the network outputs them (not normalised).
    Gradients flow from the features back to ``image``, which is what cloaking needs.
    """

    name: str = ""
    dim: int = 0

    def forward(self, image: torch.Tensor, landmarks: torch.Tensor) -> torch.Tensor:  # pragma: no cover
        raise NotImplementedError
