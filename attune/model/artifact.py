"""A model is an artifact plus its provenance: a joblib file and a JSON manifest.

The manifest records the attune, scikit-learn, spaCy and numpy versions, the hash of the
training data, the feature list, the metrics, and the SHA-256 of every file. Loading the
shipped model verifies those hashes; loading any other model requires ``trust=True``,
because a joblib file is a pickle and can run code when loaded.

The saved model holds the fitted numbers as numpy arrays (:mod:`attune.model.linear`), not
scikit-learn objects: loading and scoring never import scikit-learn, and a model keeps loading
across scikit-learn releases. Models of format 1 (scikit-learn objects) still load, with a
warning when the scikit-learn version differs, and are converted on loading.
"""

from __future__ import annotations

import hashlib
import json
import logging
import platform
import warnings
from dataclasses import dataclass, field
from importlib import resources
from operator import itemgetter
from pathlib import Path
from typing import Any, Sequence

import joblib
import numpy as np
from scipy import sparse

from ..__about__ import __version__
from ..dimensions import DIMENSIONS
from ..errors import ModelError, UntrustedModelError
from ..features import Features
from ..features.ngrams import gram_strings
from .linear import GramIndex, LinearLevels, NgramWeights, compile_model, locate_grams

log = logging.getLogger(__name__)

MODEL_FILE = "attune.joblib"
MANIFEST_FILE = "manifest.json"
FORMAT = 2


@dataclass
class AttuneModel:
    """Six fitted level models over one design: the cue features named in
    ``feature_names``, then (when ``vectorizer`` is set) TF-IDF weights of word n-grams; and,
    when fitted, the :class:`~attune.model.rationale.RationaleSelector` that picks each
    dimension's evidence (None: evidence falls back to the strongest cue and n-gram spans)."""

    feature_names: tuple[str, ...]
    estimators: dict[str, Any]
    vectorizer: Any = None
    meta: dict[str, Any] = field(default_factory=dict)
    rationale: Any = None

    def matrix(self, features: Sequence[Features], grams: GramIndex | None = None):
        """The model's input matrix for featurised texts (sparse when n-grams are used).
        ``grams`` is :meth:`gram_index` of ``features``, when the caller has it."""
        dense, weights = self.inputs(features, grams)
        if weights is None:
            return dense
        return sparse.hstack([sparse.csr_matrix(dense), weights], format="csr")

    def inputs(self, features: Sequence[Features], grams: GramIndex | None = None):
        """The two blocks of :meth:`matrix`: the cue features as a dense array, and the n-gram
        columns as a CSR matrix (None for a model without n-grams)."""
        dense = _dense_matrix(features, self.feature_names)
        if self.vectorizer is None:
            return dense, None
        if isinstance(self.vectorizer, NgramWeights):
            weights = self.vectorizer.weights(grams if grams is not None else self.gram_index(features))
        else:  # a scikit-learn vectorizer, during training
            weights = self.vectorizer.transform([gram_strings(f.grams) for f in features])
        return dense, weights.tocsr()

    def gram_index(self, features: Sequence[Features]) -> GramIndex:
        """Where the model's n-grams occur in featurised texts (see :func:`locate_grams`)."""
        return locate_grams(self.ngram_vocabulary, features)

    @property
    def ngram_vocabulary(self) -> dict[str, int]:
        """n-gram -> column offset after the dense features (empty without n-grams)."""
        return {} if self.vectorizer is None else self.vectorizer.vocabulary_


def _dense_matrix(features: Sequence[Features], names: tuple[str, ...]) -> np.ndarray:
    """The cue features of ``features`` as rows, in the order of ``names``."""
    if not features:
        return np.zeros((0, len(names)))
    pick = itemgetter(*names)
    try:  # extract() gives every feature a value, so one C-level lookup per text does
        return np.array([pick(f.values) for f in features], dtype=np.float64).reshape(len(features), len(names))
    except KeyError:
        return np.vstack([f.vector(names) for f in features])


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def library_versions() -> dict[str, str]:
    import sklearn
    import spacy

    return {
        "attune": __version__,
        "scikit-learn": sklearn.__version__,
        "spacy": spacy.__version__,
        "numpy": np.__version__,
        "joblib": joblib.__version__,
        "python": platform.python_version(),
    }


def save_model(model: AttuneModel, directory: str | Path, manifest: dict[str, Any] | None = None) -> Path:
    """Write ``attune.joblib`` and ``manifest.json`` into ``directory``; return the manifest path.

    ``manifest`` adds fields (data hash, metrics, training parameters) to the recorded ones.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    model_path = out / MODEL_FILE
    joblib.dump(compile_model(model), model_path, compress=3)
    record = {
        "format": FORMAT,
        "name": (manifest or {}).get("name", out.name),
        "versions": library_versions(),
        "dimensions": list(DIMENSIONS),
        "features": list(model.feature_names),
        **(manifest or {}),
        "files": {MODEL_FILE: _sha256(model_path)},
    }
    path = out / MANIFEST_FILE
    path.write_text(json.dumps(record, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path


def shipped_model_dir() -> Path:
    """The model shipped with attune: inside the installed package, or ``models/`` in a checkout."""
    packaged = resources.files("attune") / "_shipped_model"
    if packaged.is_dir() and (packaged / MANIFEST_FILE).is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "models"
    if (checkout / MANIFEST_FILE).is_file():
        return checkout
    raise ModelError(
        "the shipped model is missing from this installation (no attune/_shipped_model or "
        "models/manifest.json); reinstall attune-tone, or train one: attune train DATA -o DIR"
    )


def read_manifest(directory: str | Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST_FILE
    if not path.is_file():
        raise ModelError(f"{path} not found: a model directory holds {MODEL_FILE} and {MANIFEST_FILE}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelError(f"{path} is not valid JSON: {exc}") from exc


def load_model(directory: str | Path | None = None, trust: bool = False) -> tuple[AttuneModel, dict[str, Any]]:
    """Load a model directory and its manifest; None loads the shipped model.

    The shipped model's file hashes are always verified. Any other directory needs
    ``trust=True``: joblib files can execute code when loaded, so load only files you trust.
    """
    shipped = shipped_model_dir() if directory is None else None
    target = Path(directory) if directory is not None else shipped
    assert target is not None
    is_shipped = shipped is not None
    if shipped is None:
        try:
            is_shipped = target.resolve() == shipped_model_dir().resolve()
        except ModelError:
            is_shipped = False
        if not is_shipped and not trust:
            raise UntrustedModelError(
                f"refusing to load {target} without trust=True: joblib model files can run code "
                "when loaded. If you made this model or trust its source, call "
                "attune.load(model=..., trust=True) (on the command line: --trust)."
            )
    manifest = read_manifest(target)
    for name, expected in manifest.get("files", {}).items():
        path = target / name
        if not path.is_file():
            raise ModelError(f"{path} is missing (listed in {MANIFEST_FILE})")
        actual = _sha256(path)
        if actual != expected:
            raise ModelError(
                f"{path} does not match its manifest (sha256 {actual[:12]}..., expected "
                f"{expected[:12]}...): the file was changed or corrupted; reinstall or retrain"
            )
    _check_format(manifest, target)
    try:
        model = joblib.load(target / MODEL_FILE)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure becomes a ModelError
        raise ModelError(f"could not load {target / MODEL_FILE}: {exc}") from exc
    if not isinstance(model, AttuneModel):
        raise ModelError(f"{target / MODEL_FILE} does not hold an attune model")
    if not all(isinstance(e, LinearLevels) for e in model.estimators.values()):
        _check_versions(manifest)  # format 1: scikit-learn objects, unpickled by this version
        model = compile_model(model)
    if is_shipped:  # results name the release, not the folder the model was trained into
        version = manifest.get("versions", {}).get("attune", "")
        manifest = {**manifest, "name": f"attune-{version}" if version else "attune"}
    return model, manifest


def _check_format(manifest: dict[str, Any], target: Path) -> None:
    fmt = manifest.get("format", 1)
    if not isinstance(fmt, int) or fmt > FORMAT:
        raise ModelError(
            f"{target} is a model of format {fmt!r}, written by a newer attune than this one "
            f"({__version__}, which reads formats up to {FORMAT}); upgrade attune-tone "
            "(pip install -U attune-tone) or retrain the model with this version"
        )


def _check_versions(manifest: dict[str, Any]) -> None:
    import sklearn

    trained = manifest.get("versions", {}).get("scikit-learn")
    if trained and trained.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        warnings.warn(
            f"this model was trained with scikit-learn {trained} and is loaded with "
            f"{sklearn.__version__}; scores may differ slightly. Retrain with "
            "`attune train` to remove this warning.",
            UserWarning,
            stacklevel=3,
        )
