"""Absolute addresses for feeds, sitemaps, the JSON API and social cards, and safe link targets."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

if TYPE_CHECKING:
    from comics.models import ComicImage

SAFE_SCHEMES = {"http", "https", "mailto", ""}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp"}


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


def image_address(url: str) -> str:
    """`url` when it is the web address of an image file (judged by its path's suffix), else "".

    A missing image is drawn from its source URL only when this says it is an image: the address
    of a web page (Mimi and Eunice's strip pages) must never land in an <img>, og:image or feed.
    """
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return ""
    return url if PurePosixPath(parts.path).suffix.lower() in IMAGE_SUFFIXES else ""


def image_url(request: HttpRequest | None, image: ComicImage | None) -> str:
    """The absolute address of a comic image: its stored file, else its image address, else ""."""
    if not image:
        return ""
    if image.is_missing:
        return image_address(image.source_url)
    return absolute_url(request, image.url())
