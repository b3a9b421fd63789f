"""Writes with side effects: keyword-only, typed `<noun>_<verb>` functions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from comics import selectors
from comics.models import Chapter, Comic, ComicImage, Series
from comics.signals import content_changed


def comic_image_add(*, comic: Comic, fileobj: IO[bytes], filename: str, position: int | None = None) -> ComicImage:
    """Verify an uploaded image and add it to `comic`, at `position` or after its last image.

    Side effects: writes the original (comics/<random>/original.<ext>, the extension of the real
    format whatever `filename` says) and its variants (w<width>.webp/.<ext>, thumb.webp/.<ext>) to
    the default storage, then saves a ComicImage row. If the row cannot be saved, the files are
    removed again. Raises ValidationError, with a message for the author, when the file is not a
    usable PNG, JPEG, GIF or WebP image.

    `sha256` is the digest of the bytes as uploaded (what an import compares to skip a known image);
    they are the stored original's bytes too, except for a photo re-encoded to apply its EXIF rotation.
    """
    # Pillow is loaded here, not at import: reader workers, which never process an upload, are
    # about 7 MB smaller without it (docs/benchmarks.md).
    from comics import images

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
        sha256=images.sha256(data),
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


# --- Author admin: publishing, chapters, bulk upload ------------------------------------------------
# Each write saves the comics one by one (not QuerySet.update) so that post_save signals, which
# invalidate cached pages, fire for every comic touched.


def comic_publish(*, comic: Comic, now: datetime | None = None) -> Comic:
    """Publish `comic` at once: status published, publish time now. Saves the comic."""
    comic.status = Comic.Status.PUBLISHED
    comic.publish_at = now or timezone.now()
    comic.save(update_fields=["status", "publish_at", "updated_at"])
    return comic


def comic_schedule(*, comic: Comic, publish_at: datetime) -> Comic:
    """Mark `comic` published from `publish_at`: readers see it from then on, with no job to run.

    Raises ValidationError when `publish_at` has passed (use `comic_publish` for "now"). Saves the comic.
    """
    if publish_at <= timezone.now():
        raise ValidationError("Choose a time in the future.", code="past")
    comic.status = Comic.Status.PUBLISHED
    comic.publish_at = publish_at
    comic.save(update_fields=["status", "publish_at", "updated_at"])
    return comic


def comic_unpublish(*, comic: Comic) -> Comic:
    """Back to draft: readers no longer see it anywhere. The publish time is kept. Saves the comic."""
    comic.status = Comic.Status.DRAFT
    comic.save(update_fields=["status", "updated_at"])
    return comic


def comics_move_to_chapter(*, comics: Iterable[Comic], chapter: Chapter) -> int:
    """Put every comic of `comics` in `chapter`; returns how many were moved.

    A chapter belongs to one series: when some comics are of another series, raises ValidationError
    naming them and moves none.
    """
    comics = list(comics)
    strangers = [c for c in comics if c.series_id != chapter.series_id]
    if strangers:
        raise ValidationError(
            "“%(chapter)s” is a chapter of “%(series)s”; these comics are in another series: %(comics)s.",
            code="other_series",
            params={"chapter": chapter, "series": chapter.series, "comics": ", ".join(map(str, strangers))},
        )
    with transaction.atomic():
        for comic in comics:
            comic.chapter = chapter
            comic.save(update_fields=["chapter", "updated_at"])
    return len(comics)


def comic_image_delete(*, image: ComicImage) -> None:
    """Delete `image`'s row; once the transaction commits, delete its original and variant files."""
    variants = image.variants or {}
    paths = [image.file.name] if image.file else []
    for entry in [*variants.get("widths", []), variants.get("thumb") or {}]:
        paths += [entry[key] for key in ("webp", "orig") if entry.get(key)]
    storage = image.file.storage
    image.delete()
    transaction.on_commit(lambda: [storage.delete(path) for path in dict.fromkeys(paths)])


def chapter_move(*, chapter: Chapter, offset: int) -> None:
    """Move `chapter` `offset` places in its series' order (-1: up, 1: down); past either end it stays.

    Renumbers the series' chapters 1, 2, 3... in their current order first, since positions may be equal.
    """
    with transaction.atomic():
        chapters = list(
            Chapter.objects.select_for_update().filter(series_id=chapter.series_id).order_by("position", "id")
        )
        i = next(i for i, c in enumerate(chapters) if c.pk == chapter.pk)
        j = min(max(i + offset, 0), len(chapters) - 1)
        chapters.insert(j, chapters.pop(i))
        for position, c in enumerate(chapters, start=1):
            c.position = position
        Chapter.objects.bulk_update(chapters, ["position"])
        content_changed()  # bulk_update sends no signal; the chapter navigation follows positions


def series_make_default(*, series: Series) -> Series:
    """Save `series` as the site's default series; the previous default loses the flag."""
    with transaction.atomic():
        Series.objects.filter(is_default=True).exclude(pk=series.pk).update(is_default=False)
        series.is_default = True
        series.save()
    return series


@dataclass
class BulkUpload:
    created: list[Comic] = field(default_factory=list)
    # (file name, reason) for each file refused.
    failed: list[tuple[str, str]] = field(default_factory=list)


def natural_key(name: str) -> list:
    """Sort key putting page2 before page10: digit runs compare as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", name.casefold())]


def schedule_times(*, start: datetime, weekdays: Iterable[int] = ()) -> Iterator[datetime]:
    """Publish times from `start`, one per chosen weekday (0 = Monday; none chosen: every day).

    Each is the wall-clock time of `start` in the site's time zone on a matching day, so a comic
    scheduled at 09:00 stays at 09:00 across a daylight-saving change.
    """
    local = timezone.localtime(start)
    days = set(weekdays) or set(range(7))
    day = local.date()
    while True:
        if day.weekday() in days:
            yield timezone.make_aware(datetime.combine(day, local.time().replace(tzinfo=None)))
        day += timedelta(days=1)


def comics_bulk_create(
    *,
    files: Iterable[UploadedFile],
    series: Series,
    chapter: Chapter | None = None,
    start: datetime | None = None,
    weekdays: Iterable[int] = (),
) -> BulkUpload:
    """Make one draft comic per image file, numbered in natural file-name order after the series' last number.

    With `start`, the comics are scheduled instead (status published, a future time): the first on the
    first chosen weekday from `start`, each next one on the next chosen day (see `schedule_times`).
    A file that is not a usable image is refused and listed in the result with the reason; the
    others are still created, taking consecutive numbers and schedule days.
    Side effects: per comic, a Comic row and its image files and ComicImage row (`comic_image_add`),
    committed together and on their own: if the request dies part way (a worker timeout), the
    comics made so far stay, the comic in progress leaves neither row nor file, and another upload
    of the remaining files continues the numbering.
    """
    result = BulkUpload()
    times = schedule_times(start=start, weekdays=weekdays) if start else None
    publish_at = next(times) if times else None
    for upload in sorted(files, key=lambda f: natural_key(f.name)):
        named = re.sub(r"[\s_-]+", " ", PurePosixPath(upload.name).stem).strip()
        try:
            with transaction.atomic():
                # Lock the series row so that two uploads into one series cannot take the same number.
                Series.objects.select_for_update().filter(pk=series.pk).first()
                number = selectors.comic_next_number(series=series)
                title = named or f"Comic {number}"
                comic = Comic.objects.create(
                    series=series,
                    chapter=chapter,
                    number=number,
                    title=title,
                    slug=slugify(title)[:200] or "comic",
                    status=Comic.Status.PUBLISHED if publish_at else Comic.Status.DRAFT,
                    publish_at=publish_at or timezone.now(),
                )
                comic_image_add(comic=comic, fileobj=upload, filename=upload.name, position=0)
        except ValidationError as exc:
            result.failed.append((upload.name, " ".join(exc.messages)))
            continue
        result.created.append(comic)
        publish_at = next(times) if times else None
    return result
