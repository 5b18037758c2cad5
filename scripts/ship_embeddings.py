"""Write kb/data/embeddings.npz: the sentence encoder's vectors of every text the project ships.

That is what `load_demo` embeds: the demo's articles in every site language, the off-topic sets each
engine's calibration learns from, and the chat's own examples (requests for a person, conversational
acts). A fresh site, `make run` and the test suite then read these vectors instead of computing
them (about 26 ms a text on one core). A text that changed since is embedded as usual, only slower;
tests/kb/test_shipped_embeddings.py fails when the file no longer covers the demo.

    make embeddings        (after changing the demo, the off-topic sets or the chat's examples)

It loads the demo into a throwaway SQLite database with no shipped vectors to read, so every text is
embedded afresh, then keeps the vectors of the site's encoder, sorted (the same content gives the
same file)."""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "kb" / "data" / "embeddings.npz"

DUMP = """
import numpy as np
from kb.embeddings import sentence_encoder
from kb.models import TextEmbedding

name = sentence_encoder().name
rows = sorted(TextEmbedding.objects.filter(encoder=name).values_list("digest", "vector"))
vectors = np.vstack([np.frombuffer(bytes(vector), dtype=np.float32) for _digest, vector in rows])
keys = np.array([f"{name}:{digest}".encode() for digest, _vector in rows])
np.savez(OUTPUT, digests=keys, vectors=vectors)
print(len(rows), name)
"""


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ship-embeddings-") as scratch:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "helpcenter.settings.dev",
            "DATABASE_URL": f"sqlite:///{scratch}/db.sqlite3",
            "HELPCENTER_MEDIA_ROOT": f"{scratch}/media",
            "HELPCENTER_ENGINE_ARTIFACTS": "",
            "HELPCENTER_SHIPPED_EMBEDDINGS": "",
            "HELPCENTER_DEMO_PREPARE_CHATBOT": "1",
        }
        manage = [sys.executable, str(ROOT / "manage.py")]
        for command in (["migrate", "--noinput", "-v0"], ["load_demo"]):
            subprocess.run(manage + command, env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        written = Path(scratch) / "embeddings.npz"
        done = subprocess.run(
            [*manage, "shell", "-c", f"OUTPUT = {str(written)!r}\n{DUMP}"],
            env=env,
            check=True,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(written, OUTPUT)
    count, name = done.stdout.split()[-2:]
    print(f"{OUTPUT.relative_to(ROOT)}: {count} vectors of {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
