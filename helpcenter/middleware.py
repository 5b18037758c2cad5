"""A database that is briefly locked or down gives the customer a friendly 503, not a 500."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


class DatabaseUnavailableMiddleware:
    """Turns "database is locked", "connection refused" and the like into 503 + Retry-After.

    Views write inside transactions, so whatever the failed request had started is rolled back:
    nothing is half saved. Integrity and programming errors are not caught here; they are bugs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logger.warning("database unavailable for %s %s: %s", request.method, request.path, exception)
        message = _(
            "We are having a short technical problem and could not save this step. Please try again in a "
            "minute."
        )
        if request.path.startswith("/api/"):
            response = JsonResponse({"error": message}, status=503)
        else:
            # Rendered without a request context: the context processors would query the database.
            response = HttpResponse(render_to_string("503.html", {"message": message}), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
