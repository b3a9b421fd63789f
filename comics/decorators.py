"""`reader_cache`: whole reader pages kept in the cache, each valid for one content state.

A reader page is rendered once per content state (comics/signals.py: every write, and every
scheduled comic's publish time, gives a new one) and then served from the cache, so a new comic,
an edit or a deletion shows at once however long the entry would otherwise live. Requests that
carry a session cookie (staff, logged-in authors) always render: nothing personal is ever stored.
"""

from functools import wraps
from hashlib import blake2b
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from comics.signals import content_state_and_get

# The query parameters reader pages read; any other (utm_source=..., a typo) renders the same page,
# so it is left out of the cache key instead of filling the cache with copies.
PAGE_PARAMETERS = ("before", "fragment", "page")
# Headers a cached page keeps; anything else (cookies above all) is never stored.
KEPT_HEADERS = ("Content-Type", "Content-Language", "Cache-Control", "Link", "X-Robots-Tag")


def _page_query(request) -> str:
    return urlencode([(name, request.GET[name]) for name in PAGE_PARAMETERS if name in request.GET])


def reader_cache(view):
    @wraps(view)
    def cached_view(request, *args, **kwargs):
        seconds = settings.PAGE_CACHE_SECONDS
        if not seconds or request.method not in ("GET", "HEAD") or settings.SESSION_COOKIE_NAME in request.COOKIES:
            return view(request, *args, **kwargs)
        # One entry per address, holding the state it was rendered in: the state and the entry
        # come back in one cache round trip, and an entry from an older state is rendered anew.
        address = f"{request.scheme}://{request.get_host()}{request.path}?{_page_query(request)}"
        key = "page:" + blake2b(address.encode(), digest_size=16).hexdigest()
        state, stored = content_state_and_get(key)
        if stored is not None and stored[0] == state:
            response = HttpResponse(stored[1], headers=stored[2])
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
            cache.set(key, (state, response.content, headers), seconds)
            response["X-Page-Cache"] = "miss"
        return response

    return cached_view
