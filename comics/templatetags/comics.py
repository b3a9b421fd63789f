"""Template helpers for the reader site: responsive pictures, thumbnails, the sanitised note,
absolute addresses and safe link targets."""

from pathlib import PurePosixPath

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString

from comics import links, markup
from comics.models import ComicImage

register = template.Library()

# The widest the page ever draws a comic, in CSS pixels (see .comic-image in site.css).
MAX_DISPLAY_WIDTH = 900


def _key(stem: str, path: str) -> str:
    return f"{stem}{PurePosixPath(path).suffix}"


def _candidate(image: ComicImage, variant: dict, kind: str) -> str:
    """One srcset entry: "<address of the variant> <width>w"."""
    width = variant["w"]
    return f"{image.url(_key(f'w{width}', variant[kind]))} {width}w"


def _sizes(width: int | None) -> str:
    shown = min(width or MAX_DISPLAY_WIDTH, MAX_DISPLAY_WIDTH)
    return f"(min-width: {shown + 32}px) {shown}px, calc(100vw - 2rem)"


def image_sources(image: ComicImage) -> dict:
    """src, srcset (original format) and webp_srcset of a comic image.

    A missing file is drawn from its source URL; an animated GIF keeps its original (the resized
    variants are stills). The WebP source is offered only when its widths cover the drawn size,
    so no browser is handed a blurry upscale.
    """
    if image.is_missing:
        return {"src": image.source_url, "srcset": "", "webp_srcset": ""}
    src = image.url()
    if image.is_animated or not image.width:
        return {"src": src, "srcset": "", "webp_srcset": ""}
    widths = sorted(image.variants.get("widths", []), key=lambda v: v["w"])
    fallback = [_candidate(image, v, "orig") for v in widths if v["w"] < image.width and v.get("orig")]
    fallback.append(f"{src} {image.width}w")
    webp = [_candidate(image, v, "webp") for v in widths if v.get("webp")]
    covered = max((v["w"] for v in widths if v.get("webp")), default=0) >= min(image.width, MAX_DISPLAY_WIDTH)
    return {
        "src": src,
        "srcset": ", ".join(fallback) if len(fallback) > 1 else "",
        "webp_srcset": ", ".join(webp) if covered else "",
    }


@register.inclusion_tag("includes/picture.html")
def comic_picture(image: ComicImage, alt: str, title: str = "", lazy: bool = True) -> dict:
    """A <picture> with WebP and original-format srcsets, width/height, and lazy or eager loading."""
    return {
        **image_sources(image),
        "sizes": _sizes(image.width),
        "width": image.width,
        "height": image.height,
        "alt": alt,
        "title": title,
        "lazy": lazy,
    }


def thumbnail_sources(image: ComicImage | None) -> dict | None:
    if image is None:
        return None
    if image.is_missing:
        return {"src": image.source_url, "webp": "", "width": None, "height": None}
    thumb = image.variants.get("thumb")
    if thumb:
        return {
            "src": image.url(_key("thumb", thumb["orig"])),
            "webp": image.url(_key("thumb", thumb["webp"])) if thumb.get("webp") else "",
            "width": thumb.get("w"),
            "height": thumb.get("h"),
        }
    return {"src": image.url(), "webp": "", "width": image.width, "height": image.height}


@register.inclusion_tag("includes/thumbnail.html")
def comic_thumbnail(image: ComicImage | None, alt: str = "") -> dict:
    """The still thumbnail of a comic image (lazy), or an empty frame when the comic has none."""
    return {"thumb": thumbnail_sources(image), "alt": alt}


@register.filter
def note_html(text: str) -> SafeString:
    return markup.note_html(text)


@register.filter
def safe_href(url: str) -> str:
    return links.safe_href(url)


@register.simple_tag(takes_context=True)
def absolute_url(context, path: str) -> str:
    return links.absolute_url(context.get("request"), path)


@register.simple_tag
def series_url(name: str, series=None, **kwargs) -> str:
    """reverse() for a series-scoped page: no prefix for the default series (or None)."""
    return reverse(name, kwargs={**(series.url_kwargs() if series else {}), **kwargs})
