"""Small factories: plain functions with keyword arguments and sensible defaults."""

from __future__ import annotations

import io
from datetime import timedelta
from itertools import count

from django.utils import timezone
from django.utils.text import slugify
from PIL import Image

from comics.models import Chapter, Character, Comic, ComicImage, Series, Tag
from comics.services import comic_image_add

_seq = count(1)


def default_series() -> Series:
    # A migration creates it; tests on a flushed database (transactional_db) make it again.
    return Series.objects.get_or_create(is_default=True, defaults={"title": "Main story", "slug": "main"})[0]


def png_bytes(width: int = 64, height: int = 48, color=(200, 40, 40), fmt: str = "PNG", **save_kwargs) -> bytes:
    buffer = io.BytesIO()
    mode = "RGBA" if fmt in {"PNG", "WEBP"} else "RGB"
    Image.new(mode, (width, height), color).save(buffer, fmt, **save_kwargs)
    return buffer.getvalue()


def chapter(*, series: Series | None = None, title: str | None = None, position: int | None = None, **kw) -> Chapter:
    n = next(_seq)
    title = title or f"Chapter {n}"
    return Chapter.objects.create(
        series=series or default_series(),
        title=title,
        slug=kw.pop("slug", slugify(title) or f"chapter-{n}"),
        position=n if position is None else position,
        **kw,
    )


def tag(name: str | None = None) -> Tag:
    name = name or f"tag {next(_seq)}"
    return Tag.objects.create(name=name, slug=slugify(name))


def character(name: str | None = None, **kw) -> Character:
    name = name or f"Character {next(_seq)}"
    return Character.objects.create(name=name, slug=slugify(name), **kw)


def comic(
    *,
    number: int | None = None,
    title: str | None = None,
    series: Series | None = None,
    status: str = Comic.Status.PUBLISHED,
    publish_at=None,
    **kw,
) -> Comic:
    number = number if number is not None else next(_seq)
    title = title or f"Comic {number}"
    return Comic.objects.create(
        series=series or default_series(),
        number=number,
        title=title,
        slug=kw.pop("slug", slugify(title) or "comic"),
        status=status,
        publish_at=publish_at or timezone.now() - timedelta(days=1),
        **kw,
    )


def scheduled_comic(**kw) -> Comic:
    return comic(publish_at=timezone.now() + timedelta(days=3), **kw)


def draft_comic(**kw) -> Comic:
    return comic(status=Comic.Status.DRAFT, **kw)


def image(*, comic: Comic, width: int = 640, height: int = 480, fmt: str = "PNG", **kw) -> ComicImage:
    """A real image drawn with Pillow, added through the upload service (variants and all).

    kw: `color`, `filename`, `position`; anything else goes to Pillow's save().
    """
    color = kw.pop("color", (200, 40, 40))
    filename = kw.pop("filename", f"page.{fmt.lower()}")
    position = kw.pop("position", None)
    data = png_bytes(width, height, color, fmt, **kw)
    return comic_image_add(comic=comic, fileobj=io.BytesIO(data), filename=filename, position=position)


def comic_with_image(*, width: int = 640, height: int = 480, fmt: str = "PNG", **kw) -> Comic:
    """A comic (kw as for `comic`) with one image."""
    c = comic(**kw)
    image(comic=c, width=width, height=height, fmt=fmt)
    return c
