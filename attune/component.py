"""attune as a spaCy pipeline component: ``nlp.add_pipe("attune")`` sets ``doc._.attune``.

The factory is registered through the ``spacy_factories`` entry point, so a pipeline finds it
without importing attune first (worker processes of ``nlp.pipe(n_process=...)`` too). spaCy
imports every factory entry point whenever it builds a ``Language``, so this module imports
nothing heavy: the model, scikit-learn and the feature code load when the component first runs::

    >>> import spacy                                                # doctest: +SKIP
    >>> nlp = spacy.load("en_core_web_sm", exclude=["ner"])         # doctest: +SKIP
    >>> nlp.add_pipe("attune")                                      # doctest: +SKIP
    >>> doc = nlp("That's on us. I've refunded the fee today.")     # doctest: +SKIP
    >>> doc._.attune.scores["non_defensiveness"]                    # doctest: +SKIP
    78.4

Extension attributes (registered, idempotently, when this module is imported):

=======================  =========================================================================
``doc._.attune``         the :class:`attune.Result` (None until the component has run); evidence
                         offsets index ``doc.text``
``doc._.attune_context`` the customer message the text replies to; set it before the component
                         runs (see :func:`with_context`)
=======================  =========================================================================

The context of a text is, in order: ``doc._.attune_context`` if it is set, else the
``"attune_context"`` key of the context object given to ``nlp.pipe(..., as_tuples=True)``
(a mapping), else none. Both work with ``n_process > 1``.

The component scores the ``Doc`` as annotated by the components before it (tagger, parser,
attribute_ruler, lemmatizer) and does not parse the text again, with one exception: a text
with typographic quotes (``’ “ ”``) or longer than :data:`attune._text.MAX_CHARS` is parsed
again, by the same upstream components, from the cleaned text :func:`attune.score` parses
(same offsets), because the raw parse moves the scores (by up to 7 points for a curly
apostrophe). So ``doc._.attune`` equals ``attune.score(doc.text, context)`` on the same
pipeline. ``match_scorer=False`` scores every doc from its own parse (a warning says so).
HTML is not converted, as offsets must index ``doc.text``: the result warns instead.
Customer messages are parsed by the host pipeline (this component switched off) and cached.
"""

from __future__ import annotations

import json
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Optional, Sequence

import srsly
from spacy import util
from spacy.language import Language
from spacy.tokens import Doc

from . import _text
from .__about__ import __version__
from .errors import InputError, ModelError, PipelineError, UntrustedModelError
from .pipeline import NEEDED
from .result import DimensionScore, Evidence, Result

if TYPE_CHECKING:  # pragma: no cover
    from .features import ContextInfo
    from .model import AttuneModel
    from .scorer import Scorer

__all__ = ["AttuneComponent", "make_attune", "with_context", "install_extensions"]

EXTENSION = "attune"
CONTEXT_EXTENSION = "attune_context"
CONTEXT_KEY = "attune_context"
"""The key read from an ``as_tuples`` context mapping."""

META_FILE = "attune.json"
BUNDLE_DIR = "model"
CONTEXT_CACHE_SIZE = 4096
"""Parsed customer messages kept per component (many replies answer one message)."""


def _context_cache():
    """Analysed customer messages by text, least recently used dropped (imported here, not at
    module level: spaCy imports this module for every pipeline it builds)."""
    from ._parsing import ContextCache

    return ContextCache(CONTEXT_CACHE_SIZE)


NOT_CLEANED = (
    "the text contains HTML, HTML entities or invalid characters; attune.score cleans those "
    "before parsing, the spaCy component scores the text as given: convert it to plain text "
    "before nlp() for the same scores"
)
QUOTES_NOT_NORMALISED = (
    "the text has typographic quotes and was scored as parsed (match_scorer=False); "
    "attune.score parses it with straight quotes and may score it differently"
)


# -- extensions and Doc serialisation ---------------------------------------------------------

def install_extensions() -> None:
    """Register ``Doc._.attune`` and ``Doc._.attune_context`` (a no-op when they exist)."""
    for name in (EXTENSION, CONTEXT_EXTENSION):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


_RESULT_TAG = "__attune_result__"


def _result_to_plain(r: Result) -> list:
    """A lossless, msgpack-ready form of a Result (``to_dict`` rounds; this does not)."""
    return [r.text, r.context, r.error, list(r.warnings), r.model, [
        [d.dimension, d.score, list(d.probabilities), d.suggestion,
         [[e.start, e.end, e.text, e.cue, e.dimension, e.effect] for e in d.evidence]]
        for d in r.dimensions
    ]]


def _result_from_plain(data: Sequence) -> Result:
    text, context, error, warns, model, dims = data
    return Result(
        text=text, context=context, error=error, warnings=tuple(warns), model=model,
        dimensions=tuple(
            DimensionScore(dimension=dim, score=score, probabilities=tuple(probs),
                           suggestion=suggestion,
                           evidence=tuple(Evidence(*ev) for ev in evidence))
            for dim, score, probs, suggestion, evidence in dims
        ),
    )


def _encode_result(obj, chain=None):
    if isinstance(obj, Result):
        return {_RESULT_TAG: _result_to_plain(obj)}
    return obj if chain is None else chain(obj)


def _decode_result(obj, chain=None):
    if isinstance(obj, dict) and _RESULT_TAG in obj:
        return _result_from_plain(obj[_RESULT_TAG])
    return obj if chain is None else chain(obj)


def _install_msgpack_codec() -> None:
    """Let ``Doc.to_bytes``/``DocBin`` carry ``doc._.attune``: spaCy stores extension values in
    ``doc.user_data`` and serialises it with msgpack, which is also how ``nlp.pipe(n_process=2)``
    sends docs back from its workers."""
    if "attune_result" not in srsly.msgpack_encoders.get_all():
        srsly.msgpack_encoders.register("attune_result", func=_encode_result)
    if "attune_result" not in srsly.msgpack_decoders.get_all():
        srsly.msgpack_decoders.register("attune_result", func=_decode_result)


install_extensions()
_install_msgpack_codec()


def with_context(nlp: Language, pairs: Iterable[tuple[str, Optional[str]]]) -> Iterator[Doc]:
    """Tokenise ``(text, context)`` pairs into docs with ``doc._.attune_context`` set, ready
    for ``nlp.pipe`` (which runs the rest of the pipeline, with ``n_process`` if asked)::

        for doc in nlp.pipe(with_context(nlp, pairs), n_process=2):
            doc._.attune
    """
    for i, pair in enumerate(pairs):
        try:
            text, context = pair
        except (TypeError, ValueError):
            raise InputError(f"pair {i}: expected a (text, context) tuple, got {pair!r}") from None
        if not isinstance(text, str):
            raise InputError(f"pair {i}: text must be a string, got {type(text).__name__}")
        doc = nlp.make_doc(text)
        doc._.set(CONTEXT_EXTENSION, context)
        yield doc


# -- the model ---------------------------------------------------------------------------------

_shipped_lock = threading.Lock()
_shipped: "tuple[AttuneModel, dict[str, Any]] | None" = None


def _load_shipped() -> "tuple[AttuneModel, dict[str, Any]]":
    """The shipped model, loaded (and its hashes verified) once per process."""
    global _shipped
    with _shipped_lock:
        if _shipped is None:
            from .model import load_model

            _shipped = load_model(None)
        return _shipped


def _is_shipped_dir(path: Path) -> bool:
    from .model import shipped_model_dir

    try:
        return path.resolve() == shipped_model_dir().resolve()
    except ModelError:
        return False


def _read_bundle(directory: Path, manifest: dict[str, Any]) -> dict[str, bytes]:
    """The bytes of a model directory's manifest and listed files, checked against the
    manifest's hashes (what gets bundled is what was verified)."""
    import hashlib

    from .model.artifact import MANIFEST_FILE

    files = {MANIFEST_FILE: (directory / MANIFEST_FILE).read_bytes()}
    for name, expected in manifest.get("files", {}).items():
        data = (directory / name).read_bytes()
        if hashlib.sha256(data).hexdigest() != expected:
            raise ModelError(f"{directory / name} changed while it was being loaded")
        files[name] = data
    return files


# -- the component ------------------------------------------------------------------------------

class AttuneComponent:
    """Scores each ``Doc`` on the six ATTUNE dimensions and sets ``doc._.attune``.

    Build it with ``nlp.add_pipe("attune", config={...})``; see :func:`make_attune` for the
    settings. ``__call__`` delegates to :meth:`pipe`, which batches docs so the model runs
    once per dimension per batch; :meth:`predict` has no effect on the docs and
    :meth:`set_annotations` writes the results.

    Saving: ``nlp.to_disk(path)`` writes ``attune.json`` into the component's folder. With
    the shipped model nothing else is written: ``spacy.load(path)`` finds the shipped model
    in the installed attune again (and warns if it is not the one the pipeline was saved
    with). A custom model's ``attune.joblib`` and ``manifest.json`` are copied into
    ``model/`` beside it, so the folder is self-contained; loading it verifies the files
    against the manifest and, because a joblib file is a pickle that can run code, needs
    ``trust=True``. That flag is read from the saved ``config.cfg``, where it was recorded
    when the model was first added with ``trust=True``: loading such a pipeline directory
    trusts whoever wrote it, so load one only from a source you trust, or override the flag
    (``spacy.load(path, config={"components.attune.trust": False})`` refuses to load it).
    """

    def __init__(self, nlp: Language, name: str = "attune", model: str | None = None,
                 trust: bool = False, match_scorer: bool = True):
        self.nlp = nlp
        self.name = name
        self.trust = trust
        self.match_scorer = match_scorer
        self._model_dir = Path(model) if model is not None else None
        self._scorer: "Scorer | None" = None
        self._files: dict[str, bytes] | None = None  # a custom model's files, for to_disk
        self._lock = threading.Lock()
        self._contexts = _context_cache()

    def __repr__(self) -> str:
        if self._model_dir is not None:
            source = str(self._model_dir)
        else:
            source = "shipped" if self._files is None else "bundled"
        return f"<AttuneComponent name={self.name!r} model={source!r}>"

    # -- pickling (nlp.pipe(n_process=...) where processes are spawned, not forked) -----------

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_lock"] = None
        state["_contexts"] = _context_cache()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    # -- the model ----------------------------------------------------------------------------

    @property
    def scorer(self) -> "Scorer":
        """The :class:`attune.Scorer` over the host pipeline and this component's model
        (loaded on first use). ``scorer.score(text, context)`` gives the same result as
        running the pipeline; it parses with the host's components, this one switched off."""
        if self._scorer is None:
            with self._lock:
                if self._scorer is None:
                    self._scorer = self._build_scorer()
        return self._scorer

    def _build_scorer(self) -> "Scorer":
        from .model import load_model
        from .scorer import Scorer

        if self._model_dir is None:
            fitted, manifest = _load_shipped()
        else:
            fitted, manifest = load_model(self._model_dir, trust=self.trust)
            if not _is_shipped_dir(self._model_dir):
                self._files = _read_bundle(self._model_dir, manifest)
        return Scorer(fitted, self.nlp, manifest)

    # -- running ------------------------------------------------------------------------------

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 64) -> Iterator[Doc]:
        for docs in util.minibatch(stream, size=batch_size):
            self.set_annotations(docs, self.predict(docs))
            yield from docs

    def set_annotations(self, docs: Sequence[Doc], results: Sequence[Result]) -> None:
        for doc, result in zip(docs, results):
            doc._.set(EXTENSION, result)

    def predict(self, docs: Sequence[Doc]) -> list[Result]:
        """Score ``docs`` (parsed by the upstream components); one :class:`Result` per doc.

        A blank doc, or one whose context is not a string, gets a result with ``ok == False``
        and the reason in ``error``. Raises :class:`PipelineError` when a doc lacks the tags,
        lemmas or dependency parse attune reads (the component runs before the parser, or the
        parser is disabled).
        """
        from .features import extract

        scorer = self.scorer
        rows: list[Any] = []
        for doc in docs:
            try:
                rows.append(self._prepare(doc))
            except InputError as exc:
                rows.append(Result.failed(doc.text, _raw_context(doc), str(exc),
                                          model=scorer.model_name))
        good = [r for r in rows if not isinstance(r, Result)]
        contexts = self._contexts_for([ctx for _, ctx, _ in good])
        again = [prepared.parse for prepared, _, doc in good if doc is None]
        reparsed = iter(self.nlp.pipe(again, disable=self._disabled()) if again else ())
        pending: list[Any] = []
        for row in rows:
            if isinstance(row, Result):
                pending.append(row)
                continue
            prepared, ctx, doc = row
            if doc is None:
                doc = next(reparsed)
            ctx_text, info = contexts[ctx] if ctx is not None else (None, None)
            feats = extract(doc, info)
            pending.append((prepared, ctx_text, feats))
        return list(scorer._finish(pending))

    # -- internals ----------------------------------------------------------------------------

    def _prepare(self, doc: Doc) -> "tuple[_text.Prepared, str | None, Doc | None]":
        """``(prepared text, context, doc to featurise)``; the doc is None when the prepared
        text must be parsed again (see the module docstring)."""
        text = _text.check_text(doc.text)
        context = _text.check_context(_raw_context(doc))
        self._check_annotations(doc)
        limit = _text.MAX_CHARS
        whole = _text.prepare(text, max_chars=max(limit, len(text)))
        if whole.text != text:
            # HTML, entities or invalid characters: offsets must index doc.text, so no cleaning
            return _text.Prepared(text, text, (NOT_CLEANED,)), context, doc
        prepared = whole if len(text) <= limit else _text.prepare(text)
        if prepared.parse == text:
            return prepared, context, doc
        # typographic quotes and/or truncation: prepared.text is a prefix of doc.text
        if self.match_scorer:
            return prepared, context, None
        warns = [w for w in prepared.warnings if not w.startswith("truncated")]
        if len(prepared.text) < len(text):
            span = doc.char_span(0, len(prepared.text), alignment_mode="contract")
            doc = span.as_doc() if span is not None and len(span) else doc
            if len(doc.text) < len(text):
                warns.append(f"truncated from {len(text)} to {len(doc.text)} characters "
                             f"(limit {limit})")
        if prepared.parse[:len(doc.text)] != doc.text:
            warns.append(QUOTES_NOT_NORMALISED)
        return _text.Prepared(doc.text, doc.text, tuple(warns)), context, doc

    def _check_annotations(self, doc: Doc) -> None:
        for attr, what in (("DEP", "dependency parse"), ("POS", "part-of-speech tags"),
                           ("LEMMA", "lemmas")):
            if not doc.has_annotation(attr):
                raise PipelineError(
                    f"the {self.name!r} component got a Doc without {what}: it must run after "
                    f"the tagger, parser, attribute_ruler and lemmatizer (add it last: "
                    f"nlp.add_pipe({self.name!r}) with no before/first), and none of them may be "
                    f"disabled. Pipeline: {self.nlp.pipe_names}"
                )

    def _disabled(self) -> list[str]:
        """What attune switches off when it parses (as :class:`attune.Scorer` does)."""
        return [n for n in self.nlp.pipe_names if n not in NEEDED or n == self.name]

    def _contexts_for(self, contexts: Sequence[str | None]) -> "dict[str, tuple[str, ContextInfo]]":
        """``context -> (its prepared text, its analysis)``, parsing the ones not cached."""
        from .features import analyse_context

        wanted = dict.fromkeys(c for c in contexts if c is not None)
        found: dict[str, tuple[str, ContextInfo]] = {}
        missing: list[str] = []
        for c in wanted:
            hit = self._contexts.get(c)
            if hit is None:
                missing.append(c)
            else:
                self._contexts.move_to_end(c)
                found[c] = hit
        if missing:
            prepared = [_text.prepare(c) for c in missing]
            docs = self.nlp.pipe([p.parse for p in prepared], disable=self._disabled())
            for c, p, cdoc in zip(missing, prepared, docs):
                found[c] = self._contexts[c] = (p.text, analyse_context(cdoc, p.parse))
        return found

    # -- serialisation ------------------------------------------------------------------------

    def _meta(self) -> dict[str, Any]:
        scorer = self.scorer
        from .model.artifact import MODEL_FILE

        return {
            "attune": __version__,
            "source": "shipped" if self._files is None else "bundled",
            "model_name": scorer.model_name,
            "sha256": scorer.manifest.get("files", {}).get(MODEL_FILE),
        }

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Write ``attune.json`` (and a custom model's files, in ``model/``) into ``path``."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        meta = self._meta()
        if self._files is not None:
            bundle = path / BUNDLE_DIR
            bundle.mkdir(exist_ok=True)
            for name, data in self._files.items():
                (bundle / name).write_bytes(data)
        (path / META_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "AttuneComponent":
        """Restore what :meth:`to_disk` wrote (the model it names or bundles)."""
        path = Path(path)
        meta_path = path / META_FILE
        if not meta_path.is_file():
            raise ModelError(f"{meta_path} not found: this is not a saved attune component")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        self._restore(meta, path / BUNDLE_DIR)
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        """The component's state as bytes (a custom model's files included)."""
        return srsly.msgpack_dumps({"meta": self._meta(), "files": self._files or {}})

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "AttuneComponent":
        import tempfile

        msg = srsly.msgpack_loads(data)
        if not msg["files"]:
            self._restore(msg["meta"], None)
            return self
        with tempfile.TemporaryDirectory() as tmp:  # load_model verifies files on disk
            for name, blob in msg["files"].items():
                (Path(tmp) / name).write_bytes(blob)
            self._restore(msg["meta"], Path(tmp))
        return self

    def _restore(self, meta: Mapping[str, Any], bundle: Path | None) -> None:
        from .model import load_model
        from .model.artifact import MODEL_FILE
        from .scorer import Scorer

        if meta.get("source") == "shipped":
            fitted, manifest = _load_shipped()
            now = manifest.get("files", {}).get(MODEL_FILE)
            if meta.get("sha256") and now != meta["sha256"]:
                warnings.warn(
                    f"this pipeline was saved with attune {meta.get('attune')}'s shipped model "
                    f"{meta.get('model_name')!r}; attune {__version__} ships a different one, "
                    "so scores may differ from when it was saved",
                    UserWarning, stacklevel=3,
                )
            self._model_dir, self._files = None, None
        elif meta.get("source") == "bundled":
            assert bundle is not None
            if not self.trust:
                raise UntrustedModelError(
                    f"this pipeline bundles a custom attune model ({meta.get('model_name')!r}) and "
                    f"the {self.name!r} component has trust=False: joblib model files can run code "
                    "when loaded. If you trust the pipeline's source, load it with "
                    f"spacy.load(path, config={{'components.{self.name}.trust': True}})."
                )
            fitted, manifest = load_model(bundle, trust=True)
            files = _read_bundle(bundle, manifest)
            self._model_dir, self._files = None, files
        else:
            raise ModelError(f"unknown attune component source {meta.get('source')!r}")
        self._scorer = Scorer(fitted, self.nlp, manifest)


def _raw_context(doc: Doc) -> Any:
    """The context of a doc: ``doc._.attune_context``, else the ``"attune_context"`` key of the
    ``nlp.pipe(..., as_tuples=True)`` context object (spaCy keeps it on ``doc._context``
    while the pipeline runs)."""
    value = doc._.get(CONTEXT_EXTENSION)
    if value is not None:
        return value
    tuple_context = getattr(doc, "_context", None)
    if isinstance(tuple_context, Mapping):
        return tuple_context.get(CONTEXT_KEY)
    return None


# -- the factory ----------------------------------------------------------------------------------

_NEEDS = (("parser", ("parser",)), ("tagger", ("tagger", "morphologizer")),
          ("lemmatizer", ("lemmatizer",)))


@Language.factory(
    "attune",
    default_config={"model": None, "trust": False, "match_scorer": True},
    assigns=[f"doc._.{EXTENSION}"],
    requires=["token.pos", "token.lemma", "token.dep"],
)
def make_attune(nlp: Language, name: str, model: Optional[str] = None, trust: bool = False,
                match_scorer: bool = True) -> AttuneComponent:
    """Build the attune component; ``nlp.add_pipe("attune", config={...})`` calls this.

    Parameters
    ----------
    model : str or None
        A model directory made by ``attune train``; None (the default) uses the model shipped
        with attune. A custom model needs ``trust=True``.
    trust : bool
        Allow loading a model that is not the shipped one (joblib files can run code).
    match_scorer : bool
        Parse again, with the upstream components, the texts :func:`attune.score` would
        clean before parsing (typographic quotes, over 20,000 characters), so the results
        equal ``attune.score``'s. False scores every doc from its own parse.

    Raises :class:`PipelineError` when ``nlp`` has no tagger, parser or lemmatizer and
    :class:`UntrustedModelError` for a custom model without ``trust=True``.
    """
    if model is not None and not isinstance(model, str):
        raise ModelError(f"the {name!r} component's model must be a path string or null, got "
                         f"{type(model).__name__}: nlp.add_pipe({name!r}, config={{'model': "
                         f"str(path), 'trust': True}})")
    for key, value in (("trust", trust), ("match_scorer", match_scorer)):
        if not isinstance(value, bool):
            raise TypeError(f"the {name!r} component's {key} must be true or false, got {value!r}")
    present = set(nlp.component_names)
    missing = [label for label, options in _NEEDS if not present.intersection(options)]
    if missing:
        raise PipelineError(
            f"the {name!r} component needs a tagger, a dependency parser and a lemmatizer (with "
            f"attribute_ruler) before it, as in an English pipeline like en_core_web_sm; this "
            f"pipeline has {list(nlp.component_names)}, missing {', '.join(missing)}. Use e.g. "
            f"nlp = spacy.load('en_core_web_sm', exclude=['ner']); nlp.add_pipe({name!r})"
        )
    if model is not None and not trust and not _is_shipped_dir(Path(model)):
        raise UntrustedModelError(
            f"refusing to use the model {model} without trust=True: joblib model files can run "
            f"code when loaded. If you made it or trust its source: nlp.add_pipe({name!r}, "
            f"config={{'model': {model!r}, 'trust': True}})"
        )
    install_extensions()
    return AttuneComponent(nlp, name, model=model, trust=trust, match_scorer=match_scorer)
