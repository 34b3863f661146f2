"""Emotion networks: ScalingNet (and its conv ablation) and MSMAE-CNN.

Build one with :func:`build_model`; save and load with :func:`save_checkpoint`
and :func:`load_checkpoint`.
"""

from eeg_emotion.models.base import EmotionModel
from eeg_emotion.models.checkpoint import (
           CheckpointMeta,
           LoadedModel,
           load_checkpoint,
           save_checkpoint,
)
from eeg_emotion.models.registry import MODELS, build_model

__all__ = ["MODELS", "CheckpointMeta", "EmotionModel", "LoadedModel", "build_model",
           "load_checkpoint", "save_checkpoint"]
