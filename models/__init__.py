"""Emotion networks: ScalingNet (and its conv ablation) and MSMAE-CNN.

Build one with :func:`build_model`; save and load with
:mod:`models.checkpoint`.
"""

from models.base import EmotionModel
from models.registry import MODELS, build_model

__all__ = ["MODELS", "EmotionModel", "build_model"]
