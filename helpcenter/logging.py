"""Log filters of the project (settings LOGGING)."""

import logging


class ExpectedErrorsWithoutTraceback(logging.Filter):
    """A 403 or 404 is an answer, not a failure: Django logs it with the exception that produced it
    (PermissionDenied, Http404) and so with a traceback. Keep the one line, drop the traceback;
    5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.exc_info and isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
