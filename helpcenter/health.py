"""A health endpoint for load balancers and monitoring: is the database and the cache reachable?"""

import logging
import os
import uuid

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from kb.indexes import engine_versions, engines_built

logger = logging.getLogger(__name__)


@require_safe
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except DatabaseError as exc:
        logger.warning("health: database unreachable: %s", exc)
        checks["database"] = "unavailable"
    probe = f"health:{uuid.uuid4().hex}"
    try:
        cache.set(probe, "1", timeout=5)
        checks["cache"] = "ok" if cache.get(probe) == "1" else "unavailable"
        cache.delete(probe)
    except Exception as exc:  # noqa: BLE001 - any cache backend error means "unavailable"
        logger.warning("health: cache unreachable: %s", exc)
        checks["cache"] = "unavailable"
    healthy = all(value == "ok" for value in checks.values())
    # Informational: the chatbot engines this worker has built (a worker still warming up answers,
    # only more slowly), the content version each serves, and its process id, so that one can tell
    # the workers apart.
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            **checks,
            "engines": engines_built(),
            "engine_versions": engine_versions(),
            "worker": os.getpid(),
        },
        status=200 if healthy else 503,
    )
