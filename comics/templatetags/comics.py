"""Template helpers for the reader site: responsive pictures, thumbnails, the sanitised note,
absolute addresses and safe link targets."""

from pathlib import PurePosixPath

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from comics import links, markup
from comics.models import Comic, ComicImage

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

    A missing file is drawn from its source URL when that is an image address, else src is ""
    (a placeholder is drawn); an animated GIF keeps its original (the resized variants are
    stills). The WebP source is offered only when its widths cover the drawn size, so no browser
    is handed a blurry upscale.
    """
    if image.is_missing:
        return {"src": links.image_address(image.source_url), "srcset": "", "webp_srcset": ""}
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


def image_alt(comic: Comic, position: int, count: int) -> str:
    """The alt text of a comic's image: the comic's description for the first, "<title>, image 2 of 3" after."""
    return comic.image_alt if position == 1 else f"{comic.title}, image {position} of {count}"


@register.inclusion_tag("includes/pictures.html")
def comic_pictures(comic: Comic, main: bool = False) -> dict:
    """Every image of a comic, in order: <picture>s with WebP and original-format srcsets, width/height
    (or a reserved box when the size is unknown), lazy loading, and the hover text as title.

    An image that is neither stored nor at an image address is a placeholder linking to the
    comic's original page. `main`: the comic of its own page: its first image loads eagerly, each
    picture links to `comic.link`, and a comic without images says so.
    """
    images = list(comic.images.all())
    pictures = [
        {
            **image_sources(image),
            "sizes": _sizes(image.width),
            "width": image.width,
            "height": image.height,
            "alt": image_alt(comic, position, len(images)),
            "lazy": not (main and position == 1),
        }
        for position, image in enumerate(images, 1)
    ]
    return {
        "pictures": pictures,
        "title": comic.alt_text,
        "href": links.safe_href(comic.link) if main else "",
        "original": links.safe_href(comic.source_url),
        "main": main,
    }


def thumbnail_sources(image: ComicImage | None) -> dict | None:
    """The thumbnail's addresses, with the width variant twice its size for sharp high-density
    screens. None (an empty frame) for a comic without a stored image: a grid never hotlinks
    full-size originals from another site."""
    if image is None or image.is_missing:
        return None
    thumb = image.variants.get("thumb")
    if not thumb:
        return {"src": image.url(), "srcset": "", "webp": "", "width": image.width, "height": image.height}
    double = next((v for v in image.variants.get("widths", []) if v["w"] == 2 * thumb["w"]), None)
    src = image.url(_key("thumb", thumb["orig"]))
    webp = image.url(_key("thumb", thumb["webp"])) if thumb.get("webp") else ""
    srcset, webp_srcset = src, webp
    if double:
        stem = f"w{double['w']}"
        srcset = f"{src} 1x, {image.url(_key(stem, double['orig']))} 2x"
        if webp and double.get("webp"):
            webp_srcset = f"{webp} 1x, {image.url(_key(stem, double['webp']))} 2x"
    return {"src": src, "srcset": srcset, "webp": webp_srcset, "width": thumb.get("w"), "height": thumb.get("h")}


@register.inclusion_tag("includes/thumbnail.html")
def comic_thumbnail(image: ComicImage | None, alt: str = "") -> dict:
    """The still thumbnail of a comic image (lazy), or an empty frame when the comic has none."""
    return {"thumb": thumbnail_sources(image), "alt": alt}


@register.filter
def isolate(text: str) -> SafeString:
    """Text in a directional isolate: a stray right-to-left mark in a title (xkcd #1137 has one)
    cannot reverse what follows it, such as the tab title's " · site name"."""
    return format_html("\u2068{}\u2069", text)


@register.filter
def note_html(text: str) -> SafeString:
    return markup.note_html(text)


@register.filter
def safe_href(url: str) -> str:
    return links.safe_href(url)


@register.simple_tag(takes_context=True)
def absolute_url(context, path: str) -> str:
    return links.absolute_url(context.get("request"), path)


@register.simple_tag(takes_context=True)
def image_url(context, image: ComicImage | None) -> str:
    """The absolute address of a comic image for social cards, or "" when there is none to show."""
    return links.image_url(context.get("request"), image)


@register.simple_tag
def series_url(name: str, series=None, **kwargs) -> str:
    """reverse() for a series-scoped page: no prefix for the default series (or None)."""
    return reverse(name, kwargs={**(series.url_kwargs() if series else {}), **kwargs})
