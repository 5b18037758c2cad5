"""Gzip for the public pages' HTML, and for nothing else (docs/deploy.md, "Compression").

BREACH-style attacks read a secret out of compressed HTTPS responses by making the victim's browser
send many requests that put a guess into the same page as the secret, and watching the sizes. A view
compressed with this decorator must carry no secret except the CSRF token, which Django masks with a
fresh random value in every response (so there is nothing stable to guess); Django's GZipMiddleware
also pads every response with random bytes ("Heal the Breach"), which blurs the sizes. Pages with
a customer's or an agent's private data (ticket pages, the agents' pages, the admin, the chat API's
conversations) are not decorated and are never compressed. Only GET and HEAD: the answer to a form a
customer sent holds what they sent, and a cross-site POST cannot get past the CSRF check anyway."""

from functools import wraps

from django.middleware.gzip import GZipMiddleware

_gzip = GZipMiddleware(lambda request: None)


def compressed_public_page(view):
    """Gzip this public view's GET/HEAD responses for browsers that accept it (randomly padded)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method in ("GET", "HEAD"):
            return _gzip.process_response(request, response)
        return response

    return wrapped
