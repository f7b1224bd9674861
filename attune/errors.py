"""attune's exceptions. Every error attune raises on purpose derives from :class:`AttuneError`."""

from __future__ import annotations


class AttuneError(Exception):
    """Root of every exception attune raises on purpose."""


class InputError(AttuneError, ValueError):
    """The text (or context) given to a scorer cannot be scored: None, not a string, or empty."""


class ModelError(AttuneError):
    """A model directory is missing, incomplete, corrupted or incompatible."""


class UntrustedModelError(ModelError):
    """Refused to load a model file that is not the shipped one without ``trust=True``.

    joblib files are pickles and can run code when loaded: load only files you trust.
    """


class PipelineError(AttuneError):
    """The spaCy pipeline could not be loaded or lacks a component attune needs."""


class DataError(AttuneError, ValueError):
    """A labelled data file is malformed (missing column, bad label, unreadable row)."""
