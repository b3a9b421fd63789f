"""Careful reads for the reader site. Whatever a reader sees starts from `Comic.objects.published()`,
and every page runs a constant number of statements whatever the size of the archive."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone

from comics.models import Chapter, Character, Comic, ComicImage, Series, Tag

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


def comic_neighbours(*, comic: Comic) -> dict[str, NavLink | None]:
    """The comics a comic page links to in the current published order, in one query: first,
    prev, next, last and, in a chapter, chapter_start, prev_chapter and next_chapter.

    Each neighbour is a scalar subquery on the comic's known number and chapter, so each is an
    index seek on (series, number) or (chapter, number) however large the archive, and a deleted,
    unpublished or scheduled comic simply drops out of the order.
    """
    published = Comic.objects.published()
    siblings = published.filter(series_id=comic.series_id)
    # name -> (queryset ordered so that its first row is the neighbour, its number and slug fields)
    neighbours = {
        "first": (siblings.order_by("number"), "number", "slug"),
        "prev": (siblings.filter(number__lt=comic.number).order_by("-number"), "number", "slug"),
        "next": (siblings.filter(number__gt=comic.number).order_by("number"), "number", "slug"),
        "last": (siblings.order_by("-number"), "number", "slug"),
    }
    if comic.chapter_id is not None:
        # Chapters are ordered by (position, id) and count once they have a published comic.
        position, pk = comic.chapter.position, comic.chapter_id
        start = published.filter(chapter_id=OuterRef("pk")).order_by("number")
        chapters = (
            Chapter.objects.filter(series_id=comic.series_id)
            .annotate(start_number=Subquery(start.values("number")[:1]), start_slug=Subquery(start.values("slug")[:1]))
            .filter(start_number__isnull=False)
        )
        before = chapters.filter(Q(position__lt=position) | Q(position=position, pk__lt=pk))
        after = chapters.filter(Q(position__gt=position) | Q(position=position, pk__gt=pk))
        neighbours["chapter_start"] = (published.filter(chapter_id=pk).order_by("number"), "number", "slug")
        neighbours["prev_chapter"] = (before.order_by("-position", "-pk"), "start_number", "start_slug")
        neighbours["next_chapter"] = (after.order_by("position", "pk"), "start_number", "start_slug")
    columns = {}
    for name, (queryset, number, slug) in neighbours.items():
        columns[f"{name}_number"] = Subquery(queryset.values(number)[:1])
        columns[f"{name}_slug"] = Subquery(queryset.values(slug)[:1])
    row = Comic.objects.filter(pk=comic.pk).order_by().values(**columns)[0]

    kwargs = comic.series.url_kwargs()
    links: dict[str, NavLink | None] = dict.fromkeys(NAV_LINKS)
    for name in neighbours:
        number = row[f"{name}_number"]
        if number is not None:
            url = reverse("comics:comic", kwargs={**kwargs, "number": number, "slug": row[f"{name}_slug"] or "-"})
            links[name] = NavLink(number=number, url=url, current=number == comic.number)
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


def comic_random(*, series: Series) -> Comic | None:
    """A random published comic in two indexed queries (no ORDER BY RAND over the table).

    A random number between the lowest and the highest, then the first comic at or after it:
    gaps in the numbering make a comic after a gap a little more likely, which readers never notice.
    """
    published = Comic.objects.published().filter(series=series)
    bounds = published.aggregate(low=Min("number"), high=Max("number"))
    if bounds["low"] is None:
        return None
    pick = random.randint(bounds["low"], bounds["high"])  # noqa: S311 - not for security
    return _one(published.filter(number__gte=pick).order_by("number").select_related("series"))


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
