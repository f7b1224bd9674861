"""Training, evaluating, saving and loading attune's per-dimension models."""

from .artifact import AttuneModel, load_model, save_model, shipped_model_dir
from .estimator import LevelClassifier

__all__ = ["AttuneModel", "LevelClassifier", "load_model", "save_model", "shipped_model_dir"]
