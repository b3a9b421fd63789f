"""Careful reads for the reader site. Whatever a reader sees starts from `Comic.objects.published()`,
and every page runs a constant number of statements whatever the size of the archive."""

from __future__ import annotations

import random
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone

from comics.models import Chapter, Character, Comic, ComicImage, Series, Tag
from comics.signals import content_state

NAV_LINKS = ("first", "prev", "next", "last", "chapter_start", "prev_chapter", "next_chapter")


def _images() -> Prefetch:
    # By position only: ComicImage's default ordering ("comic" first) would join comic and series.
    return Prefetch("images", queryset=ComicImage.objects.order_by("position", "id"))


def _listing(queryset: QuerySet[Comic]) -> QuerySet[Comic]:
    """What a page showing many comics needs: series and chapter joined, images in one query."""
    return queryset.select_related("series", "chapter").prefetch_related(_images())


def _one(queryset: QuerySet):
    """The first row, without the model's default ORDER BY (which joins series to sort)."""
    return next(iter(queryset[:1]), None)


def series_filter(series_slug: str | None) -> Q:
    """Comics of the default series (no slug in the address) or of the series with that slug."""
    if series_slug is None:
        return Q(series__is_default=True)
    return Q(series__slug=series_slug, series__is_default=False)


def series_get(*, slug: str | None) -> Series | None:
    if slug is None:
        return Series.objects.filter(is_default=True).first()
    return Series.objects.filter(slug=slug, is_default=False).first()


def comic_next_number(*, series: Series | int) -> int:
    """The number a new comic of `series` takes unless the author says otherwise: one after its last
    (gaps are left alone), 1 in an empty series. Counts drafts and scheduled comics too."""
    last = Comic.objects.filter(series=series).order_by().aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


def series_next_numbers() -> dict[int, int]:
    """Each series' next free number (see `comic_next_number`) by series id, the default series first."""
    return {s.pk: (s.last or 0) + 1 for s in Series.objects.annotate(last=Max("comics__number"))}


def _for_page(queryset: QuerySet[Comic]) -> QuerySet[Comic]:
    return queryset.select_related("series", "chapter__series").prefetch_related(_images(), "tags", "characters")


def comic_for_page(*, series_slug: str | None, number: int) -> Comic | None:
    """A published comic with everything its page shows (four queries)."""
    return _one(_for_page(Comic.objects.published().filter(series_filter(series_slug), number=number)).order_by())


def comic_latest_for_page(*, series: Series) -> Comic | None:
    return _one(_for_page(Comic.objects.published().filter(series=series)).order_by("-number"))


def comic_for_preview(*, pk: int) -> Comic | None:
    """Any comic, published or not, for a staff preview."""
    return _one(_for_page(Comic.objects.filter(pk=pk)).order_by())


def comic_slug(*, series_slug: str | None, number: int) -> str | None:
    """The slug of a published comic, for redirects from the bare number."""
    comics = Comic.objects.published().filter(series_filter(series_slug), number=number)
    return _one(comics.values_list("slug", flat=True).order_by())


def comic_pk_any(*, series_slug: str | None, number: int) -> int | None:
    """The id of a comic, published or not, for sending staff to its preview."""
    return _one(Comic.objects.filter(series_filter(series_slug), number=number).values_list("pk", flat=True).order_by())


@dataclass(frozen=True)
class NavLink:
    number: int
    url: str
    current: bool


@dataclass(frozen=True)
class PublishedOrder:
    """The published comics of one series in reading order: numbers and slugs, nothing else.

    Each worker keeps one per series in memory, for the content state it was built in (see
    comics/signals.py: any write, or the next scheduled comic coming out, changes the state), and
    at most ORDER_MAX_AGE seconds, which bounds how stale it can be after a write made by another
    process that shares no cache with this one (the embedded default's local-memory cache).
    """

    numbers: list[int]
    slugs: dict[int, str]
    chapter_starts: dict[int, int]  # chapter id -> number of its first published comic
    chapters: list[tuple[int, int]]  # (position, id) of chapters with published comics, in order
    state: str
    built_at: datetime


ORDER_MAX_AGE = 60
_orders: dict[int, PublishedOrder] = {}


def published_order(*, series_id: int) -> PublishedOrder:
    """The series' published order: from this worker's memory, or rebuilt in one query."""
    state, now = content_state(), timezone.now()
    order = _orders.get(series_id)
    if order and order.state == state and (now - order.built_at).total_seconds() < ORDER_MAX_AGE:
        return order
    rows = (
        Comic.objects.published(now=now)
        .filter(series_id=series_id)
        .order_by("number")
        .values_list("number", "slug", "chapter_id", "chapter__position")
    )
    numbers, slugs, chapter_starts, chapters = [], {}, {}, set()
    for number, slug, chapter_id, position in rows:
        numbers.append(number)
        slugs[number] = slug or "-"
        if chapter_id is not None:
            chapter_starts.setdefault(chapter_id, number)
            chapters.add((position, chapter_id))
    order = PublishedOrder(numbers, slugs, chapter_starts, sorted(chapters), state, now)
    _orders[series_id] = order
    return order


def comic_neighbours(*, comic: Comic) -> dict[str, NavLink | None]:
    """The comics a comic page links to in the current published order: first, prev, next, last
    and, in a chapter, chapter_start, prev_chapter and next_chapter. No query once the worker
    holds the series' order; a deleted, unpublished or scheduled comic is simply not in it."""
    order = published_order(series_id=comic.series_id)
    numbers, here = order.numbers, comic.number
    found: dict[str, int | None] = dict.fromkeys(NAV_LINKS)
    if numbers:
        below, above = bisect_left(numbers, here), bisect_right(numbers, here)
        found.update(
            first=numbers[0],
            last=numbers[-1],
            prev=numbers[below - 1] if below > 0 else None,
            next=numbers[above] if above < len(numbers) else None,
        )
    if comic.chapter_id is not None:
        key = (comic.chapter.position, comic.chapter_id)
        before, after = bisect_left(order.chapters, key), bisect_right(order.chapters, key)
        found["chapter_start"] = order.chapter_starts.get(comic.chapter_id)
        if before > 0:
            found["prev_chapter"] = order.chapter_starts[order.chapters[before - 1][1]]
        if after < len(order.chapters):
            found["next_chapter"] = order.chapter_starts[order.chapters[after][1]]
    kwargs = comic.series.url_kwargs()
    links: dict[str, NavLink | None] = dict.fromkeys(NAV_LINKS)
    for name, number in found.items():
        if number is not None:
            url = reverse("comics:comic", kwargs={**kwargs, "number": number, "slug": order.slugs[number]})
            links[name] = NavLink(number=number, url=url, current=number == here)
    return links


def comics_before(*, series: Series, before: int | None, limit: int) -> tuple[list[Comic], int | None]:
    """Up to `limit` published comics numbered below `before` (newest first), and the number to
    continue from, or None at the start of the archive (keyset pagination: no OFFSET)."""
    comics = _listing(Comic.objects.published().filter(series=series)).order_by("-number")
    if before is not None:
        comics = comics.filter(number__lt=before)
    page = list(comics[: limit + 1])
    if len(page) > limit:
        return page[:limit], page[limit - 1].number
    return page, None


def comic_random_url(*, series: Series) -> str | None:
    """The address of a random published comic, uniformly over the series, from its published
    order (no ORDER BY RAND over the table)."""
    order = published_order(series_id=series.pk)
    if not order.numbers:
        return None
    number = random.choice(order.numbers)  # noqa: S311 - not for security
    return reverse("comics:comic", kwargs={**series.url_kwargs(), "number": number, "slug": order.slugs[number]})


def comic_for_api(*, series_slug: str | None, number: int | None) -> Comic | None:
    """The comic behind the JSON API: that number, or the latest when `number` is None."""
    comics = Comic.objects.published().filter(series_filter(series_slug)).select_related("series")
    comics = comics.prefetch_related(_images())
    if number is None:
        return _one(comics.order_by("-number"))
    return _one(comics.filter(number=number).order_by())


# --- Archive -------------------------------------------------------------------------------------


def _first_comics(ids) -> dict[int, Comic]:
    ids = [pk for pk in ids if pk is not None]
    if not ids:
        return {}
    comics = list(_listing(Comic.objects.filter(pk__in=ids)).order_by())
    images_first(comics)
    return {c.pk: c for c in comics}


def _count(queryset: QuerySet[Comic], field: str) -> Subquery:
    """COUNT(*) of a correlated queryset, grouped on the outer reference `field`."""
    return Subquery(queryset.order_by().values(field).annotate(n=Count("pk")).values("n")[:1])


def archive_chapters(*, series: Series) -> list[Chapter]:
    """Chapters with at least one published comic, each with `comic_count` and `first_comic`."""
    published = Comic.objects.published().filter(chapter=OuterRef("pk"))
    chapters = list(
        Chapter.objects.filter(series=series)
        .select_related("series")
        .annotate(
            comic_count=_count(published, "chapter"),
            first_comic_id=Subquery(published.order_by("number").values("pk")[:1]),
        )
        .filter(comic_count__gt=0)
    )
    firsts = _first_comics(c.first_comic_id for c in chapters)
    for chapter in chapters:
        chapter.first_comic = firsts.get(chapter.first_comic_id)
    return chapters


def _year_start(year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=timezone.get_current_timezone())


def archive_years(*, series: Series) -> list[dict]:
    """[{"year": 2024, "count": 52}, ...], newest first, years in the site's time zone.

    On MariaDB a TIME_ZONE other than UTC needs the server's time-zone tables (mariadb-tzinfo-to-sql;
    the official image loads them).
    """
    return list(
        Comic.objects.published()
        .filter(series=series)
        .annotate(year=ExtractYear("publish_at"))
        .order_by()
        .values("year")
        .annotate(count=Count("pk"))
        .order_by("-year")
    )


def archive_unchaptered_count(*, series: Series) -> int:
    return Comic.objects.published().filter(series=series, chapter__isnull=True).count()


def series_others(*, series: Series | None) -> list[Series]:
    """Series other than this one that have published comics, for the archive's list."""
    has_comics = Comic.objects.published().filter(series=OuterRef("pk"))
    others = Series.objects.filter(Exists(has_comics))
    return list(others.exclude(pk=series.pk) if series else others)


def chapter_get(*, series: Series, slug: str) -> Chapter | None:
    return _one(Chapter.objects.filter(series=series, slug=slug).select_related("series").order_by())


def comics_in_chapter(*, chapter: Chapter) -> QuerySet[Comic]:
    return _listing(Comic.objects.published().in_chapter(chapter)).order_by("number")


def comics_in_year(*, series: Series, year: int) -> QuerySet[Comic]:
    start, end = _year_start(year), _year_start(year + 1)
    comics = Comic.objects.published().filter(series=series, publish_at__gte=start, publish_at__lt=end)
    return _listing(comics).order_by("number")


def comics_with_tag(*, tag: Tag) -> QuerySet[Comic]:
    return _listing(Comic.objects.published().filter(tags=tag)).order_by("-publish_at", "-number")


def comics_with_character(*, character: Character) -> QuerySet[Comic]:
    return _listing(Comic.objects.published().filter(characters=character)).order_by("publish_at", "number")


def cast_list() -> list[Character]:
    """Characters who appear in at least one published comic, with `appearance_count` and
    `first_appearance` (a Comic), in two queries."""
    appearances = Comic.objects.published().filter(characters=OuterRef("pk"))
    characters = list(
        Character.objects.annotate(
            appearance_count=_count(appearances, "characters"),
            first_appearance_id=Subquery(appearances.order_by("publish_at", "number").values("pk")[:1]),
        ).filter(appearance_count__gt=0)
    )
    ids = [c.first_appearance_id for c in characters]
    firsts = {c.pk: c for c in Comic.objects.filter(pk__in=ids).select_related("series").order_by()} if ids else {}
    for character in characters:
        character.first_appearance = firsts.get(character.first_appearance_id)
    return characters


def images_first(comics) -> None:
    """Set `comic.first_image` on comics whose images were prefetched (for thumbnails)."""
    for comic in comics:
        images = list(comic.images.all())
        comic.first_image = images[0] if images else None


def image_published(*, pk: int) -> ComicImage | None:
    """An image of a published comic."""
    return _one(ComicImage.objects.filter(pk=pk, comic__in=Comic.objects.published()).order_by())


def image_any(*, pk: int) -> ComicImage | None:
    """An image of any comic, for staff previews."""
    return _one(ComicImage.objects.filter(pk=pk).order_by())


def feed_comics(*, series: Series, limit: int = 20) -> list[Comic]:
    return list(
        Comic.objects.published()
        .filter(series=series)
        .select_related("series")
        .prefetch_related(_images(), "tags")
        .order_by("-publish_at", "-number")[:limit]
    )
