"""Shared pytest fixtures for the training workspace: the tiny model family, built once per session.

Tests that only READ these may share them; a test that changes a model (cache(), LoRA, training) must build its own
(`build_student(cfg, teacher)` copies weights, so that is cheap).
"""

from __future__ import annotations

import pytest
import torch

from tinysr_train.models import TSDSRTeacher, build_teacher
from tinysr_train.registry import ModelConfig, get_config

# Two CPU cores are shared by the whole suite; one intra-op thread per test process keeps timings predictable.
torch.set_num_threads(1)

TEST_CONFIG = "tinysr-test"
TEACHER_SEED = 1234


@pytest.fixture(scope="session")
def test_cfg() -> ModelConfig:
    """The registry's tiny config: same structure as full size, 128 px LR tile -> 512 px HR."""
    return get_config(TEST_CONFIG)


@pytest.fixture(scope="session")
def tiny_teacher(test_cfg: ModelConfig) -> TSDSRTeacher:
    """A randomly initialised (fixed seed) teacher of `tinysr-test`, in eval mode. Do not modify it."""
    torch.manual_seed(TEACHER_SEED)
    return build_teacher(test_cfg).eval()
