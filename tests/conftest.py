import pytest
from django.core.cache import cache

from kb.indexes import clear_indexes


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """Each test starts with no search index and no rate-limit counters from an earlier test."""
    clear_indexes()
    cache.clear()
    yield
    clear_indexes()
    cache.clear()
