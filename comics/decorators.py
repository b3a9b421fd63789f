"""`reader_cache`: whole reader pages kept in the cache, keyed by the content state.

A reader page is rendered once per content state (comics/signals.py: every write, and every
scheduled comic's publish time, gives a new one) and then served from the cache, so a new comic,
an edit or a deletion shows at once however long the entry would otherwise live. Requests that
carry a session cookie (staff, logged-in authors) always render: nothing personal is ever stored.
"""

from functools import wraps
from hashlib import blake2b

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from comics.signals import content_state

# Headers a cached page keeps; anything else (cookies above all) is never stored.
KEPT_HEADERS = ("Content-Type", "Content-Language", "Cache-Control", "Link", "X-Robots-Tag")


def reader_cache(view):
    @wraps(view)
    def cached_view(request, *args, **kwargs):
        seconds = settings.PAGE_CACHE_SECONDS
        if not seconds or request.method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return view(request, *args, **kwargs)
        address = f"{content_state()}|{request.get_host()}|{request.get_full_path()}"
        key = "page:" + blake2b(address.encode(), digest_size=16).hexdigest()
        stored = cache.get(key)
        if stored is not None:
            content, headers = stored
            response = HttpResponse(content, headers=headers)
            response["X-Page-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "no-store" not in response.get("Cache-Control", "")
        ):
            headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
            cache.set(key, (response.content, headers), seconds)
            response["X-Page-Cache"] = "miss"
        return response

    return cached_view
