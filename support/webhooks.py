"""Hand-off webhooks are URLs typed by staff; the server posts to them. By default only https URLs on
public addresses are accepted, so the poster cannot be aimed at the machine itself or the internal
network (SSRF). The check runs when the URL is saved and again, after DNS, before each post."""

import ipaddress
import json
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .conf import support_settings


class WebhookRefused(ValueError):
    pass


def _blocked(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def check_url(url: str, *, resolve: bool) -> None:
    """Raise WebhookRefused unless `url` may be posted to (HELPCENTER_WEBHOOK_ALLOW_PRIVATE lifts the
    https and public-address rules, for a webhook receiver on the same network)."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise WebhookRefused(_("A webhook must be an https:// address."))
    if support_settings().webhook_allow_private:
        return
    if parts.scheme != "https":
        raise WebhookRefused(_("A webhook must be an https:// address."))
    host = parts.hostname.rstrip(".").lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        raise WebhookRefused(_("A webhook must be on a public host, not %(host)s.") % {"host": host})
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        if _blocked(literal):
            raise WebhookRefused(_("A webhook must be on a public host, not %(host)s.") % {"host": host})
        return
    if resolve:
        try:
            infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
        except OSError as exc:
            raise WebhookRefused(f"cannot resolve {host}: {exc}") from None
        for info in infos:
            if _blocked(ipaddress.ip_address(info[4][0])):
                raise WebhookRefused(_("A webhook must be on a public host, not %(host)s.") % {"host": host})


def validate_webhook_url(value: str) -> None:
    """Model field validator: the same rules, without DNS (saving must not depend on the network)."""
    if not value:
        return
    try:
        check_url(value, resolve=False)
    except WebhookRefused as exc:
        raise ValidationError(str(exc)) from None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could lead the post to an address the check above refused.
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def post(url: str, text: str, *, timeout: float = 5.0) -> None:
    """POST a Slack-compatible message; raises on any failure, refusal or non-2xx answer."""
    check_url(url, resolve=True)
    request = urllib.request.Request(
        url,
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with _opener.open(request, timeout=timeout) as response:  # noqa: S310 - checked above
        if response.status >= 300:
            raise urllib.error.HTTPError(url, response.status, "unexpected status", response.headers, None)
