"""Engines shared between the processes of a machine (HELPCENTER_ENGINE_ARTIFACTS): built once per
content version and language, loaded by the others; a broken artifact is rebuilt, never served; an
engine never replaces one asked for after it."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from kb import indexes
from kb.search import artifact
from tests.factories import make_article

ROOT = Path(__file__).resolve().parents[2]


def _titles(engine) -> set[str]:
    return set(engine.index.titles())


def _answers(engine, queries=("reset my password", "dns records for my domain", "refund")):
    return [[(r.id, r.score, r.confidence, r.snippet) for r in engine.rank(q)] for q in queries]


@pytest.fixture
def articles(db):
    return [
        make_article(
            slug="reset-password",
            translations={
                "en": {
                    "title": "Reset your password",
                    "questions": ["I forgot my password", "cannot log in"],
                    "body": "Choose Forgot password on the sign-in page.",
                },
                "fr": {"title": "Réinitialiser votre mot de passe", "questions": ["mot de passe oublié"]},
            },
        ),
        make_article(
            slug="dns",
            translations={
                "en": {"title": "DNS records", "questions": ["point my domain", "add an A record"]}
            },
        ),
        make_article(
            slug="refunds",
            translations={"en": {"title": "Refunds", "questions": ["money back", "charged twice"]}},
        ),
    ]


@pytest.fixture
def shared(settings, tmp_path):
    settings.HELPCENTER_ENGINE_ARTIFACTS = str(tmp_path / "engines")
    return tmp_path / "engines"


IGNORED = {"versions"}


def _language(path: Path) -> str:
    return path.name.split("-")[0]


def _artifacts(directory: Path, language: str) -> list[Path]:
    return sorted(p for p in directory.glob(f"{language}-*") if p.is_dir())


def test_without_an_artifact_directory_each_process_builds_its_own(articles, settings):
    assert settings.HELPCENTER_ENGINE_ARTIFACTS == ""
    engine = indexes.answer_engine("en")
    assert not isinstance(engine.intents._weights, np.memmap)
    assert engine.rank("forgot my password")[0].id == articles[0].pk


def test_a_worker_loads_what_the_task_worker_built_and_answers_the_same(articles, settings, shared):
    settings.HELPCENTER_ENGINE_ARTIFACTS = ""
    fresh = indexes.answer_engine("en")
    expected = _answers(fresh)
    indexes.clear_indexes()

    settings.HELPCENTER_ENGINE_ARTIFACTS = str(shared)
    call_command("build_engines", verbosity=0)  # what the task worker or a deployment does
    assert [_language(p) for p in sorted(shared.iterdir()) if p.name not in IGNORED and p.name[0] != "."] == [
        "de",
        "en",
        "es",
        "fr",
        "ja",
        "zh",
    ]
    assert indexes.engines_built() == []  # the builder keeps no engine in memory
    # It recorded which documents the current content gives each language.
    assert sorted(_language(p) for p in (shared / "versions").iterdir()) == [
        "de",
        "en",
        "es",
        "fr",
        "ja",
        "zh",
    ]
    written = _artifacts(shared, "en")[0]
    stamp = (written / "manifest.json").stat().st_mtime_ns
    indexes.clear_indexes()

    engine = indexes.answer_engine("en")
    # The worker read that record, not the articles (reading 10,000 articles per worker and
    # language after each edit would cost each worker seconds and tens of megabytes).
    assert not indexes._documents
    # Loaded, not built: its arrays are the shared files, and the artifact was not rewritten.
    assert isinstance(engine.intents._weights, np.memmap)
    assert (written / "manifest.json").stat().st_mtime_ns == stamp
    assert _answers(engine) == expected
    links = indexes.article_links("en", [articles[0].pk])
    assert links[articles[0].pk].url == "/en/articles/reset-password/"


def test_a_worker_that_finds_no_artifact_builds_it_once_for_the_others(articles, shared):
    engine = indexes.answer_engine("fr")
    assert len(_artifacts(shared, "fr")) == 1
    assert "Réinitialiser votre mot de passe" in _titles(engine)
    indexes.clear_indexes()  # another worker
    again = indexes.answer_engine("fr")
    assert isinstance(again.intents._weights, np.memmap)
    assert _answers(again) == _answers(engine)


@pytest.mark.parametrize("damage", ["corrupt", "truncate", "foreign"])
def test_a_broken_artifact_is_rebuilt_never_loaded(articles, shared, damage):
    indexes.engines_prepare(["en"])
    (path,) = _artifacts(shared, "en")
    if damage == "corrupt":
        target = path / "intents_coef_t.npy"
        data = bytearray(target.read_bytes())
        data[-8:] = np.float64(1e9).tobytes()  # the first article's weight for some feature, boosted
        target.write_bytes(bytes(data))
    elif damage == "truncate":
        target = path / "engine.json"
        target.write_bytes(target.read_bytes()[:-50])
    else:
        manifest = path / "manifest.json"
        manifest.write_text(manifest.read_text().replace(f'"format": {artifact.FORMAT}', '"format": 0'))
    with pytest.raises(artifact.ArtifactError):
        artifact.verify(path, {})

    engine = indexes.answer_engine("en")
    assert engine.rank("reset my password")[0].id == articles[0].pk
    assert engine.rank("dns records")[0].id == articles[1].pk
    # Rebuilt in place, sound again for the other workers.
    (rebuilt,) = _artifacts(shared, "en")
    artifact.verify(rebuilt, {})


def test_an_edit_queues_one_build_for_every_language(articles, shared, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        articles[1].title_en = "Managing DNS records"
        articles[1].save()
    # The tests' task backend runs the task at once; production's task worker does it in the background.
    for language in ("en", "fr", "de"):
        assert len(_artifacts(shared, language)) == 1
    engine = indexes.answer_engine("en")
    assert isinstance(engine.intents._weights, np.memmap)
    assert "Managing DNS records" in _titles(engine)


def test_old_artifacts_are_pruned_keeping_the_previous_one(articles, shared):
    for title in ("One", "Two", "Three"):
        articles[2].title_en = title
        articles[2].save()
        indexes.engines_prepare(["en"])
        time.sleep(0.01)
    assert len(_artifacts(shared, "en")) == 2


@pytest.mark.django_db(transaction=True)
def test_an_engine_never_replaces_one_asked_for_later(settings):
    settings.HELPCENTER_ENGINE_BACKGROUND_REBUILD = True
    article = make_article(slug="dns", translations={"en": {"title": "DNS records"}})
    make_article(slug="billing", translations={"en": {"title": "Invoices"}})
    indexes.answer_engine("en")
    # That first build runs in a thread that reads the articles; on SQLite's shared-cache test
    # database a write while it reads fails at once ("table is locked"), so let it end first.
    indexes.engines_wait()
    article.title_en = "Old DNS records"
    article.save()
    old_version, old_seq = indexes.content_version(), next(indexes._sequence)
    article.title_en = "New DNS records"
    article.save()
    settings.HELPCENTER_ENGINE_BACKGROUND_REBUILD = False
    newest = indexes.answer_engine("en")
    assert "New DNS records" in _titles(newest)
    # A build asked for before the newest one finishes last (a slow build in a background thread):
    # it must not be served. Built from the database as it is now, so only its order tells it apart.
    indexes._rebuild_in_background("en", old_version, old_seq)
    assert indexes.answer_engine("en") is newest


def test_without_a_task_worker_an_edit_is_built_by_the_web_process_not_inside_the_save(
    transactional_db, articles, shared, settings, monkeypatch
):
    """`make run`: artifacts, but the immediate task backend, which would build every changed
    language inside the editor's save. The web process's background rebuild builds and stores it.
    (Committed for real: the background build reads what the save wrote.)"""
    settings.HELPCENTER_ENGINE_BACKGROUND_REBUILD = True
    indexes.answer_engine("en")
    indexes.engines_wait()
    before = _artifacts(shared, "en")
    assert len(before) == 1
    queued = []
    monkeypatch.setattr(indexes, "engines_prepare", lambda *a, **k: queued.append(a) or [])
    articles[1].title_en = "DNS records and name servers"
    articles[1].save()
    assert queued == []
    assert _artifacts(shared, "en") == before
    served = indexes.answer_engine("en")  # the previous engine answers while the new one is built
    assert "DNS records and name servers" not in _titles(served)
    indexes.engines_wait()
    assert len(_artifacts(shared, "en")) == 2
    assert "DNS records and name servers" in _titles(indexes.answer_engine("en"))


def test_with_a_task_worker_an_edit_queues_the_build(
    articles, shared, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.HELPCENTER_ENGINE_BACKGROUND_REBUILD = True
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    from kb.tasks import engines_build

    with django_capture_on_commit_callbacks(execute=True):
        articles[1].title_en = "DNS records and name servers"
        articles[1].save()
    assert [result.task.name for result in engines_build.get_backend().results] == ["engines_build"]


def test_the_build_lock_makes_other_processes_wait(tmp_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from kb.search import artifact\n"
            "with artifact.build_lock(sys.argv[1], 'en'):\n"
            "    print('locked', flush=True)\n"
            "    time.sleep(1.5)\n",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with artifact.build_lock(tmp_path, "en"):
            waited = time.monotonic() - started
        assert waited > 0.5
        with artifact.build_lock(tmp_path, "fr"):  # another language is not held up
            pass
    finally:
        holder.wait(timeout=30)


def test_build_engines_refuses_without_a_directory_or_with_an_unknown_language(db, settings, shared):
    with pytest.raises(CommandError, match="unknown language 'xx'"):
        call_command("build_engines", language=["xx"])
    settings.HELPCENTER_ENGINE_ARTIFACTS = ""
    with pytest.raises(CommandError, match="HELPCENTER_ENGINE_ARTIFACTS is not set"):
        call_command("build_engines")


CHILD_BUILD = """
import json, os
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
import numpy as np
from django.test import override_settings
from kb import indexes
from kb.conf import helpcenter_settings
from tests.factories import make_article
# The content first, without the build each edit queues (the tests' task backend would run it here).
with override_settings(HELPCENTER_ENGINE_ARTIFACTS=""):
    helpcenter_settings.cache_clear()
    article = make_article(slug="reset-password", translations={"en": {"title": "Reset your password",
        "questions": ["I forgot my password", "cannot log in"]}})
    make_article(slug="dns", translations={"en": {"title": "DNS records", "questions": ["add an A record"]}})
    make_article(slug="refunds", translations={"en": {"title": "Refunds", "questions": ["money back"]}})
helpcenter_settings.cache_clear()
assert not os.path.exists(os.environ["HELPCENTER_ENGINE_ARTIFACTS"])
builds = []
build = indexes.engine_build
indexes.engine_build = lambda *args, **kwargs: builds.append(args[1]) or build(*args, **kwargs)
engine = indexes.answer_engine("en")
print(json.dumps({
    "loaded": isinstance(engine.intents._weights, np.memmap),
    "built_here": bool(builds),
    "right": engine.rank("i forgot my password")[0].id == article.pk,
    "artifacts": [p for p in os.listdir(os.environ["HELPCENTER_ENGINE_ARTIFACTS"]) if p.startswith("en-")],
}))
"""


def _site_script(tmp_path, script: str, **env) -> dict:
    """Run `script` as its own process on a site with a database file and an artifact directory in
    `tmp_path` (child processes it starts see the same ones); the JSON it printed last."""
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "helpcenter.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "HELPCENTER_ENGINE_ARTIFACTS": str(tmp_path / "engines"),
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", script], env=environment, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_web_worker_that_finds_no_artifact_has_a_child_process_build_it(tmp_path):
    """The production path: the worker holds the lock, `build_engines` builds in a child process,
    the worker loads what it wrote (so the build's peak memory is never the worker's)."""
    result = _site_script(tmp_path, CHILD_BUILD, HELPCENTER_ENGINE_BUILD_IN_CHILD="1")
    assert result["loaded"] and result["right"] and not result["built_here"]
    assert len(result["artifacts"]) == 1


def test_an_edit_to_one_translation_builds_only_that_language(articles, shared):
    indexes.engines_prepare(["en", "fr", "de"])
    before = {code: _artifacts(shared, code) for code in ("en", "fr", "de")}
    served = indexes.answer_engine("en")
    articles[0].title_fr = "Réinitialiser le mot de passe de votre compte"
    articles[0].save()
    indexes.engines_prepare(["en", "fr", "de"])
    # English and German (the English text) are built from the same documents: their artifacts stay.
    assert _artifacts(shared, "en") == before["en"]
    assert _artifacts(shared, "de") == before["de"]
    assert len(_artifacts(shared, "fr")) == 2
    assert indexes.answer_engine("en") is served
    assert "Réinitialiser le mot de passe de votre compte" in _titles(indexes.answer_engine("fr"))


PARALLEL_BUILD = """
import json, os
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import override_settings
from kb import indexes
from kb.conf import helpcenter_settings
from tests.factories import make_article
with override_settings(HELPCENTER_ENGINE_ARTIFACTS=""):
    helpcenter_settings.cache_clear()
    article = make_article(slug="reset-password", translations={
        "en": {"title": "Reset your password", "questions": ["I forgot my password"]},
        "fr": {"title": "Réinitialiser le mot de passe", "questions": ["mot de passe oublié"]}})
    make_article(slug="dns", translations={"en": {"title": "DNS records", "questions": ["add an A record"]}})
    make_article(slug="refunds", translations={"en": {"title": "Refunds", "questions": ["money back"]}})
helpcenter_settings.cache_clear()
builds, children = [], []
build, in_children = indexes.engine_build, indexes._build_in_children
indexes.engine_build = lambda *args, **kwargs: builds.append(args[1]) or build(*args, **kwargs)
indexes._build_in_children = lambda codes, n: children.append(list(codes)) or in_children(codes, n)
done = indexes.engines_prepare(["en", "fr", "de"])
engine = indexes.answer_engine("fr")
print(json.dumps({
    "done": done,
    "children": children,
    "built_here": builds,
    "answer": engine.rank("mot de passe oublié")[0].id == article.pk,
    "artifacts": sorted(p.split("-")[0] for p in os.listdir(os.environ["HELPCENTER_ENGINE_ARTIFACTS"])
                        if not p.startswith(".") and p != "versions"),
}))
"""


def test_the_task_worker_builds_several_languages_at_once_in_child_processes(tmp_path):
    result = _site_script(tmp_path, PARALLEL_BUILD, HELPCENTER_ENGINE_BUILD_PROCESSES="2")
    assert result["done"] == ["en", "fr", "de"]
    # All three were missing: children built them; the task itself built none.
    assert result["children"] == [["en", "fr", "de"]]
    assert result["built_here"] == []
    assert result["artifacts"] == ["de", "en", "fr"]
    assert result["answer"]
