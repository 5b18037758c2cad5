"""Per-client rate limits for anonymous endpoints, answered with 429 and Retry-After."""

import ipaddress
from collections.abc import Callable, Iterable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage


def client_ip(request: HttpRequest) -> str:
    """The visitor's address: the trusted proxy's header when configured and present, else the peer."""
    header = settings.HELPCENTER_PROXY_IP_HEADER
    forwarded = request.META.get(header, "").strip() if header else ""
    return forwarded or request.META.get("REMOTE_ADDR", "") or "unknown"


def axes_client_ip(request: HttpRequest) -> str | None:
    """django-axes asks for the client address the same way the rate limits see it; it stores it in
    an IP address column, so anything that is not one (a request built in code) becomes None."""
    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def rate_limited(rate: Callable[[], str], *, methods: Iterable[str] | None = None):
    """Limit calls per client IP address to `rate()` ("20/m"); only `methods` count if given."""
    counted = {m.upper() for m in methods} if methods else None

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if counted is None or request.method in counted:
                usage = get_usage(
                    request, group=f"{view.__module__}.{view.__name__}", key="ip", rate=rate(), increment=True
                )
                if usage and usage["should_limit"]:
                    response = render(request, "429.html", status=429)
                    response["Retry-After"] = str(max(1, usage["time_left"]))
                    return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
