"""The sentence encoder a site uses (HELPCENTER_ENCODER) and where its vectors are kept: the
TextEmbedding table, so a rebuild or a restart embeds only new or changed article texts, over the
vectors shipped with the project (HELPCENTER_SHIPPED_EMBEDDINGS)."""

import logging
from collections.abc import Mapping, Sequence
from functools import cache

import numpy as np
from django.db import DatabaseError, IntegrityError, transaction

from .conf import helpcenter_settings
from .models import TextEmbedding
from .search.encoders import CachedEncoder, FileStore, StackedStore, encoder_named

logger = logging.getLogger(__name__)
BATCH = 500


class DatabaseStore:
    def get_many(self, encoder: str, digests: Sequence[str]) -> dict[str, np.ndarray]:
        found = {}
        try:
            for start in range(0, len(digests), BATCH):
                rows = TextEmbedding.objects.filter(
                    encoder=encoder, digest__in=digests[start : start + BATCH]
                )
                for digest, vector in rows.values_list("digest", "vector"):
                    found[digest] = np.frombuffer(bytes(vector), dtype=np.float32)
        except DatabaseError:  # not migrated yet, or the database is away: embed them again
            logger.warning("Could not read stored text embeddings; computing them")
        return found

    def put_many(self, encoder: str, vectors: Mapping[str, np.ndarray]) -> None:
        rows = [
            TextEmbedding(
                encoder=encoder, digest=digest, vector=np.asarray(vector, dtype=np.float32).tobytes()
            )
            for digest, vector in vectors.items()
        ]
        try:
            with transaction.atomic():
                # Another worker may have stored the same texts a moment ago: theirs are as good.
                TextEmbedding.objects.bulk_create(rows, batch_size=BATCH, ignore_conflicts=True)
        except (DatabaseError, IntegrityError):  # a read-only replica or a locked database
            logger.warning("Could not store %d text embeddings; they will be computed again", len(rows))


def sentence_encoder() -> CachedEncoder | None:
    """The site's encoder behind its caches, or None when HELPCENTER_ENCODER is "none"."""
    conf = helpcenter_settings()
    return _sentence_encoder(conf.encoder, conf.encoder_threads, conf.shipped_embeddings)


@cache
def _sentence_encoder(name: str, threads: int, shipped: str) -> CachedEncoder | None:
    # One per setting's value and process: its memory of article texts lasts as long as the process
    # (a settings change, as in the tests, finds the encoder it had for the same value again).
    encoder = encoder_named(name, threads=threads)
    if encoder is None:
        return None
    store = DatabaseStore()
    if shipped:
        store = StackedStore(store, FileStore(shipped, read_only=True))
    return CachedEncoder(encoder, store)
