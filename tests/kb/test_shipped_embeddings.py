"""The vectors shipped in kb/data/embeddings.npz (scripts/ship_embeddings.py): a fresh site, `make run`
and this suite read them instead of embedding the demo, the off-topic sets and the chat's examples."""

import numpy as np
import pytest
from django.conf import settings
from django.core.management import call_command

from chatbot.conf import act_detector_for, person_detector_for
from core.languages import site_languages
from kb import indexes
from kb.embeddings import sentence_encoder
from kb.models import TextEmbedding
from kb.search.encoders import CachedEncoder, FileStore, StackedStore, digest
from kb.search.offtopic import offtopic_questions

needs_encoder = pytest.mark.skipif(
    settings.HELPCENTER_ENCODER == "none", reason="the shipped vectors are the sentence encoder's"
)


def _shipped_only() -> CachedEncoder:
    """The site's model with an empty memory over the shipped file alone: what it computes is what
    the file lacks."""
    return CachedEncoder(
        sentence_encoder().encoder, FileStore(settings.HELPCENTER_SHIPPED_EMBEDDINGS, read_only=True)
    )


@needs_encoder
@pytest.mark.django_db
@pytest.mark.fresh_engines  # the builds must run: the suite's shared engines would embed nothing
def test_the_demo_and_the_chats_examples_are_prepared_without_embedding_anything():
    call_command("load_demo", "--no-prepare", verbosity=0)
    encoder = _shipped_only()
    person_detector_for(encoder)
    act_detector_for(encoder)
    for language in site_languages():
        inputs = indexes._Inputs(language)
        indexes.engine_build(
            [doc for doc, _link in inputs.entries], language, inputs.sources, encoder=encoder
        )
    assert encoder.computed == 0, "kb/data/embeddings.npz no longer covers the demo: run `make embeddings`"


@needs_encoder
def test_the_shipped_vectors_are_the_encoders_own():
    encoder = _shipped_only()
    for language in ("fr", "ja"):
        text = offtopic_questions(language)[0]
        shipped = encoder.store.get_many(encoder.name, [digest("query", text)])
        assert list(shipped) == [digest("query", text)]
        computed = encoder.encoder.queries([text])[0]
        # (Another CPU's instructions may round differently: the same direction, not the same bits.)
        assert float(shipped[digest("query", text)] @ computed) > 0.9999


@needs_encoder
@pytest.mark.django_db
def test_the_sites_own_vectors_come_first_and_new_ones_go_to_its_database():
    shipped_path = settings.HELPCENTER_SHIPPED_EMBEDDINGS
    before = open(shipped_path, "rb").read()
    encoder = sentence_encoder()
    assert isinstance(encoder.store, StackedStore)
    text = offtopic_questions("en")[0]
    key = digest("query", text)
    own = np.zeros(encoder.dim, dtype=np.float32)
    own[0] = 1.0
    TextEmbedding.objects.create(encoder=encoder.name, digest=key, vector=own.tobytes())
    assert np.array_equal(encoder.store.get_many(encoder.name, [key])[key], own)

    fresh = CachedEncoder(encoder.encoder, encoder.store)
    fresh.embed([("passage", "A text no help center ships, embedded for this test alone.")])
    assert fresh.computed == 1
    assert TextEmbedding.objects.filter(
        digest=digest("passage", "A text no help center ships, embedded for this test alone.")
    ).exists()
    assert open(shipped_path, "rb").read() == before


def test_a_missing_shipped_file_is_no_vectors(tmp_path):
    store = FileStore(tmp_path / "absent.npz", read_only=True)
    assert store.get_many("any", ["abc"]) == {}
    store.put_many("any", {"abc": np.ones(3, dtype=np.float32)})
    assert not (tmp_path / "absent.npz").exists()
