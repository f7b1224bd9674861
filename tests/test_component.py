"""attune.component: the spaCy pipeline component (``nlp.add_pipe("attune")``)."""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import math
import pickle
import shutil
import signal
import subprocess
import sys

import pytest
import spacy
from spacy.tokens import Doc, DocBin

from attune import PipelineError, Result, UntrustedModelError
from attune.component import _result_to_plain, with_context
from attune.pipeline import default_pipeline_name

CONTEXT = "The engineer never showed up AGAIN and I took a day off work for it."
CASES = [
    ("You took a day off for this and we let you down again. That's on us. I've booked the "
     "first slot tomorrow, 8-10am, and I'll call you at 7:45 to confirm. Priya", CONTEXT),
    ("We apologise for any inconvenience caused. Please refer to our terms.", CONTEXT),
    ("Thanks for your order! Your parcel ships on Monday.", None),
    # typographic quotes: attune.score parses them as straight quotes
    ("I’m so sorry — that’s on us. We’ll refund the £40 today.",
     "You charged me twice and I’m furious!"),
    ("Where is my refund?", "“Mistakes were made,” you said. Where’s my money??"),
]
BLANK = ["", " ", "\n\t "]


@contextlib.contextmanager
def deadline(seconds: int):
    """Fail (instead of hanging) when the block takes longer than ``seconds``."""
    def _expired(signum, frame):
        raise TimeoutError(f"took longer than {seconds}s")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def pipeline_name():
    return default_pipeline_name()


@pytest.fixture(scope="module")
def nlp(pipeline_name):
    nlp = spacy.load(pipeline_name, exclude=["ner"])
    nlp.add_pipe("attune")
    return nlp


def plain(result: Result):
    """A comparable form of a result (NaN scores of failed results compare equal)."""
    data = _result_to_plain(result)
    data[4] = None  # the model name is not part of result equality
    return json.loads(json.dumps(data).replace("NaN", "null"))


def run(nlp, text, context=None) -> Result:
    doc = nlp.make_doc(text)
    doc._.attune_context = context
    return nlp(doc)._.attune


def assert_same_scores(got: Result, expected: Result):
    assert got.ok and expected.ok
    assert got.text == expected.text and got.context == expected.context
    for g, e in zip(got.dimensions, expected.dimensions):
        assert g.dimension == e.dimension
        assert g.score == pytest.approx(e.score, abs=1e-6)
        assert g.probabilities == pytest.approx(e.probabilities, abs=1e-9)
        assert [(x.start, x.end, x.cue) for x in g.evidence] == \
            [(x.start, x.end, x.cue) for x in e.evidence]
    assert got.warnings == expected.warnings


# -- registration ------------------------------------------------------------------------------

def test_entry_point_is_registered():
    eps = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="spacy_factories")}
    assert eps.get("attune") == "attune.component:make_attune"


def test_add_pipe_works_without_importing_attune(pipeline_name):
    code = (
        "import json, sys, spacy\n"
        f"nlp = spacy.load({pipeline_name!r}, exclude=['ner'])\n"
        # spaCy imports every factory entry point when it builds a pipeline: that must stay light
        "assert 'sklearn' not in sys.modules and 'attune.scorer' not in sys.modules\n"
        "nlp.add_pipe('attune')\n"
        "doc = nlp(\"That's on us: I've refunded the fee today.\")\n"
        "print(json.dumps(dict(doc._.attune.scores)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    scores = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(scores) == 6 and all(0 <= v <= 100 for v in scores.values())


def test_extensions_are_registered_idempotently():
    from attune.component import install_extensions

    install_extensions()
    install_extensions()
    assert Doc.has_extension("attune") and Doc.has_extension("attune_context")


# -- scores ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,context", CASES)
def test_scores_equal_the_scorer(nlp, scorer, text, context):
    got = run(nlp, text, context)
    assert_same_scores(got, scorer.score(text, context))
    for e in got.evidence:  # offsets index doc.text
        assert text[e.start:e.end] == e.text


def test_component_scorer_is_the_same_scorer_on_the_host_pipeline(nlp):
    text, context = CASES[0]
    assert_same_scores(run(nlp, text, context), nlp.get_pipe("attune").scorer.score(text, context))


def test_long_text_is_truncated_like_the_scorer(nlp, scorer):
    text = "Sorry, that’s on us and I will fix it today. " * 500
    got = run(nlp, text)
    assert got.ok and len(got.text) < len(text) and text.startswith(got.text)
    assert_same_scores(got, scorer.score(text))


def test_match_scorer_false_uses_the_docs_own_parse(pipeline_name):
    nlp = spacy.load(pipeline_name, exclude=["ner"])
    nlp.add_pipe("attune", config={"match_scorer": False})
    r = run(nlp, "I’m sorry, that’s on us.")
    assert r.ok and any("typographic quotes" in w for w in r.warnings)
    assert run(nlp, CASES[0][0], CONTEXT) == run(nlp, CASES[0][0], CONTEXT)


def test_html_is_scored_as_given_with_a_warning(nlp):
    r = run(nlp, "<p>Thanks &amp; sorry, that's on us.</p>")
    assert r.ok and r.text == "<p>Thanks &amp; sorry, that's on us.</p>"
    assert any("HTML" in w for w in r.warnings)


@pytest.mark.parametrize("text", BLANK)
def test_blank_doc_gives_a_failed_result(nlp, text):
    r = nlp(text)._.attune
    assert isinstance(r, Result) and not r.ok and "empty" in r.error
    assert all(math.isnan(v) for v in r.scores.values())


def test_bad_context_gives_a_failed_result(nlp):
    r = run(nlp, "Thanks for waiting.", 42)
    assert not r.ok and "context" in r.error


# -- context -----------------------------------------------------------------------------------

def test_as_tuples_context_and_with_context_agree(nlp):
    pairs = [(t, c) for t, c in CASES]
    expected = [run(nlp, t, c) for t, c in pairs]
    tuples = list(nlp.pipe(((t, {"attune_context": c, "id": i}) for i, (t, c) in enumerate(pairs)),
                           as_tuples=True))
    assert [ctx["id"] for _, ctx in tuples] == list(range(len(pairs)))
    helped = list(nlp.pipe(with_context(nlp, pairs)))
    # batches of 5 against batches of 1: equal up to floating-point summation order
    for (doc, _), other, e in zip(tuples, helped, expected):
        assert_same_scores(doc._.attune, e)
        assert_same_scores(other._.attune, e)


def test_a_shared_context_is_parsed_once(nlp):
    comp = nlp.get_pipe("attune")
    comp._contexts.clear()
    list(nlp.pipe(with_context(nlp, [(t, CONTEXT) for t, _ in CASES])))
    assert list(comp._contexts) == [CONTEXT]


def test_n_process_2_equals_n_process_1(nlp):
    pairs = [(t, c) for t, c in CASES] * 4 + [(b, CONTEXT) for b in BLANK]
    one = [plain(d._.attune) for d in nlp.pipe(with_context(nlp, pairs), batch_size=4)]
    with deadline(240):
        two = [plain(d._.attune) for d in
               nlp.pipe(with_context(nlp, pairs), batch_size=4, n_process=2)]
        tuples = [plain(d._.attune) for d, _ in
                  nlp.pipe(((t, {"attune_context": c}) for t, c in pairs), as_tuples=True,
                           batch_size=4, n_process=2)]
    assert two == one
    assert tuples == one


def test_results_survive_doc_serialisation(nlp):
    docs = list(nlp.pipe(with_context(nlp, CASES[:2])))
    again = [Doc(nlp.vocab).from_bytes(d.to_bytes()) for d in docs]
    assert [d._.attune for d in again] == [d._.attune for d in docs]
    bin_ = DocBin(store_user_data=True, docs=docs)
    restored = list(DocBin().from_bytes(bin_.to_bytes()).get_docs(nlp.vocab))
    assert [d._.attune for d in restored] == [d._.attune for d in docs]


def test_pipeline_pickles(nlp):
    text = CASES[1][0]
    copy = pickle.loads(pickle.dumps(nlp))
    assert copy(text)._.attune == nlp(text)._.attune


# -- saving ------------------------------------------------------------------------------------

def test_to_disk_and_spacy_load_give_equal_results(nlp, tmp_path):
    nlp.to_disk(tmp_path / "pipe")
    assert not (tmp_path / "pipe" / "attune" / "model").exists()  # the shipped model: a reference
    loaded = spacy.load(tmp_path / "pipe")
    assert loaded.pipe_names == nlp.pipe_names
    for text, context in CASES:
        assert run(loaded, text, context) == run(nlp, text, context)


def test_custom_model_needs_trust_and_is_bundled(pipeline_name, nlp, tmp_path):
    from attune.model import shipped_model_dir

    custom = tmp_path / "custom"
    shutil.copytree(shipped_model_dir(), custom)
    host = spacy.load(pipeline_name, exclude=["ner"])
    with pytest.raises(UntrustedModelError, match="trust"):
        host.add_pipe("attune", config={"model": str(custom)})
    host.add_pipe("attune", config={"model": str(custom), "trust": True})
    text, context = CASES[0]
    expected = run(host, text, context)
    assert expected == run(nlp, text, context)  # a copy of the shipped model
    host.to_disk(tmp_path / "pipe")
    shutil.rmtree(custom)  # the saved pipeline must not need the original directory
    assert (tmp_path / "pipe" / "attune" / "model" / "attune.joblib").is_file()
    loaded = spacy.load(tmp_path / "pipe")
    assert run(loaded, text, context) == expected
    with pytest.raises(UntrustedModelError):
        spacy.load(tmp_path / "pipe", config={"components.attune.trust": False})


# -- pipeline checks ---------------------------------------------------------------------------

def test_pipeline_without_parser_is_refused(pipeline_name):
    nlp = spacy.load(pipeline_name, exclude=["ner", "parser"])
    with pytest.raises(PipelineError, match="missing parser"):
        nlp.add_pipe("attune")


def test_blank_pipeline_is_refused():
    with pytest.raises(PipelineError, match="missing parser, tagger, lemmatizer"):
        spacy.blank("en").add_pipe("attune")


def test_component_before_the_parser_is_refused_at_run_time(pipeline_name):
    nlp = spacy.load(pipeline_name, exclude=["ner"])
    nlp.add_pipe("attune", first=True)
    with pytest.raises(PipelineError, match="dependency parse"):
        nlp("Thanks for waiting.")
