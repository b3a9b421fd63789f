"""Writes with side effects: keyword-only, typed `<noun>_<verb>` functions."""

from __future__ import annotations

from typing import IO

from django.core.files.base import ContentFile
from django.db.models import Max

from comics import images
from comics.models import Comic, ComicImage


def comic_image_add(*, comic: Comic, fileobj: IO[bytes], filename: str, position: int | None = None) -> ComicImage:
    """Verify an uploaded image and add it to `comic`, at `position` or after its last image.

    Side effects: writes the original (comics/<random>/original.<ext>, the extension of the real
    format whatever `filename` says) and its variants (w<width>.webp/.<ext>, thumb.webp/.<ext>) to
    the default storage, then saves a ComicImage row. If the row cannot be saved, the files are
    removed again. Raises ValidationError, with a message for the author, when the file is not a
    usable PNG, JPEG, GIF or WebP image.
    """
    fileobj.seek(0)
    data = fileobj.read()
    rendition = images.render(data, name=filename)
    original = rendition.original or data
    info = rendition.info
    if position is None:
        last = comic.images.aggregate(last=Max("position"))["last"]
        position = 0 if last is None else last + 1

    image = ComicImage(
        comic=comic,
        position=position,
        width=info.width,
        height=info.height,
        format=info.format,
        size=len(original),
        is_animated=info.is_animated,
        sha256=images.sha256(original),
    )
    image.file.save(f"original.{info.extension}", ContentFile(original), save=False)
    storage = image.file.storage
    folder = image.file.name.rsplit("/", 1)[0]
    stored = [image.file.name]
    try:
        for name, blob in rendition.files.items():
            stored.append(storage.save(f"{folder}/{name}", ContentFile(blob)))
        image.variants = rendition.variants_in(folder)
        image.save()
    except BaseException:
        for path in stored:
            storage.delete(path)
        raise
    return image
