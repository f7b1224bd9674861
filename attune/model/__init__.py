"""Training, evaluating, saving and loading attune's per-dimension models."""

from .artifact import AttuneModel, load_model, save_model, shipped_model_dir
from .linear import LinearLevels, NgramWeights, compile_model

__all__ = ["AttuneModel", "LevelClassifier", "LinearLevels", "NgramWeights", "compile_model",
           "load_model", "save_model", "shipped_model_dir"]


def __getattr__(name):
    # the scikit-learn estimator is for training; importing it (and scikit-learn) is deferred
    # so that loading and scoring never pay for it
    if name == "LevelClassifier":
        from .estimator import LevelClassifier

        return LevelClassifier
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
