"""Absolute addresses for feeds, sitemaps, the JSON API and social cards, and safe link targets."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

SAFE_SCHEMES = {"http", "https", "mailto", ""}


def absolute_url(request: HttpRequest | None, path: str) -> str:
    """`path` on settings.SITE_URL when it is set, else on the request's own host."""
    if urlsplit(path).scheme in {"http", "https"}:
        return path
    if settings.SITE_URL or request is None:
        return settings.SITE_URL + path
    return request.build_absolute_uri(path)


def site_domain(request: HttpRequest | None) -> str:
    """The host (and path prefix) absolute addresses are built on, without the scheme."""
    if settings.SITE_URL or request is None:
        parts = urlsplit(settings.SITE_URL)
        return parts.netloc + parts.path
    return request.get_host()


def site_scheme(request: HttpRequest | None) -> str:
    if settings.SITE_URL or request is None:
        return urlsplit(settings.SITE_URL).scheme or "https"
    return request.scheme


def safe_href(url: str) -> str:
    """`url` when it is a web or mail address (or relative), else "" (no javascript: or data: links)."""
    url = (url or "").strip()
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return ""
    return url if scheme in SAFE_SCHEMES else ""
