"""The masked teacher: per-layer gates on diffusers' SD3 transformer, reusing its own forward unchanged.

Owns: `GatedBlock` (wraps one JointTransformerBlock: output = layer(x) * m + x * (1 - m) on the image and the context
stream), `LayerGates` (the shared holder of the current mask the wrappers read), installing and removing the wrappers,
and `MaskedTeacher` (teacher + gates: `forward(lq, mask)` -> output latent).
May import: torch and tinysr_train.models.

Wrapping the blocks rather than re-writing SD3Transformer2DModel.forward keeps every other part of diffusers' forward
(patch embed, time-text embedding, context embedder, norm_out, unpatchify) the code that runs. The last block is
`context_pre_only`: it returns no context, so its gate acts on the image stream only (the context is not read after
it). A gate whose mask is exactly zero for every sample and carries no gradient skips the layer (baselines and
decisions run faster); during search the layer always runs, because the straight-through gradient of the mask needs
layer(x) - x.
"""

from __future__ import annotations

from typing import Any

import torch
from diffusers import SD3Transformer2DModel
from torch import nn

from tinysr_train.models import TSDSRTeacher


class LayerGates:
    """The mask the gated blocks of one transformer read: None (every layer runs plainly) or draws x layers, where
    draws is 1 (shared across the batch) or the batch size (one mask per sample)."""

    def __init__(self, layers: int) -> None:
        self.layers = layers
        self.mask: torch.Tensor | None = None

    def set(self, mask: torch.Tensor | None) -> None:
        if mask is not None and (mask.ndim != 2 or mask.shape[1] != self.layers):
            raise ValueError(f"a layer mask must be draws x {self.layers}, got shape {tuple(mask.shape)}")
        self.mask = mask

    def gate(self, index: int, batch: int) -> torch.Tensor | None:
        """Layer `index`'s gate as batch x 1 x 1 (broadcast over tokens and channels), or None when unmasked."""
        if self.mask is None:
            return None
        column = self.mask[:, index]
        if column.shape[0] not in (1, batch):
            raise ValueError(f"a layer mask has {column.shape[0]} draws for a batch of {batch}; use 1 or {batch}")
        return column.view(-1, 1, 1)


class GatedBlock(nn.Module):
    """One JointTransformerBlock whose output is mixed with its input by the current gate."""

    def __init__(self, block: nn.Module, index: int, gates: LayerGates) -> None:
        super().__init__()
        self.block = block
        self.index = index
        self._gates = gates  # shared and not a module: kept out of state_dict

    @property
    def context_pre_only(self) -> bool:  # read by diffusers' forward (controlnet residuals)
        return bool(self.block.context_pre_only)

    def forward(
        self,
        hidden_states: torch.Tensor,
        encoder_hidden_states: torch.Tensor | None = None,
        temb: torch.Tensor | None = None,
        joint_attention_kwargs: dict[str, Any] | None = None,
    ) -> tuple[torch.Tensor | None, torch.Tensor]:
        gate = self._gates.gate(self.index, hidden_states.shape[0])
        if gate is not None and not gate.requires_grad and not bool(gate.any()):
            return (None if self.context_pre_only else encoder_hidden_states), hidden_states
        context_out, image_out = self.block(
            hidden_states=hidden_states,
            encoder_hidden_states=encoder_hidden_states,
            temb=temb,
            joint_attention_kwargs=joint_attention_kwargs,
        )
        if gate is None:
            return context_out, image_out
        gate = gate.to(image_out.dtype)
        image_out = image_out * gate + hidden_states * (1 - gate)
        if context_out is not None:
            context_out = context_out * gate + encoder_hidden_states * (1 - gate)
        return context_out, image_out


def install_gates(transformer: SD3Transformer2DModel) -> LayerGates:
    """Wraps every transformer block in a GatedBlock sharing one LayerGates (idempotent: returns the existing one)."""
    blocks = transformer.transformer_blocks
    if isinstance(blocks[0], GatedBlock):
        return blocks[0]._gates
    gates = LayerGates(len(blocks))
    for index in range(len(blocks)):
        blocks[index] = GatedBlock(blocks[index], index, gates)
    return gates


def remove_gates(transformer: SD3Transformer2DModel) -> None:
    """Puts the original blocks back (state_dict keys are diffusers' own again)."""
    blocks = transformer.transformer_blocks
    for index in range(len(blocks)):
        if isinstance(blocks[index], GatedBlock):
            blocks[index] = blocks[index].block


class MaskedTeacher(nn.Module):
    """A teacher whose transformer layers are gated. `forward(lq, mask)`: one-step output latent (input - prediction)
    with `mask` (draws x layers, or None for the full teacher) applied for this call only."""

    def __init__(self, teacher: TSDSRTeacher) -> None:
        super().__init__()
        self.teacher = teacher
        self.gates = install_gates(teacher.transformer)

    @property
    def layers(self) -> int:
        return self.gates.layers

    def forward(self, lq: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        self.gates.set(mask)
        try:
            return self.teacher.denoise(lq)
        finally:
            self.gates.set(None)

    def release(self) -> TSDSRTeacher:
        """Removes the gates and returns the teacher, its state_dict keys diffusers' own again (for build_student)."""
        remove_gates(self.teacher.transformer)
        return self.teacher
