"""Careful reads for the reader site: every query starts from `Comic.objects.published()` and runs
in a constant number of statements whatever the size of the archive."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils import timezone

from comics.models import Chapter, Character, Comic, ComicImage, Series, Tag

# The neighbours a comic page links to; each becomes `<name>_number` and `<name>_slug` annotations.
NAV_LINKS = ("first", "prev", "next", "last", "chapter_start", "prev_chapter", "next_chapter")


def series_filter(series_slug: str | None) -> Q:
    """Comics of the default series (no slug in the address) or of the series with that slug."""
    if series_slug is None:
        return Q(series__is_default=True)
    return Q(series__slug=series_slug, series__is_default=False)


def series_get(*, slug: str | None) -> Series | None:
    if slug is None:
        return Series.objects.filter(is_default=True).first()
    return Series.objects.filter(slug=slug, is_default=False).first()


def _with_navigation(queryset: QuerySet[Comic], *, now: datetime) -> QuerySet[Comic]:
    """Annotate each comic with the number and slug of its neighbours in the published order.

    One correlated subquery per value: the page needs no further query to draw its navigation,
    and a deleted or unpublished neighbour simply drops out of the order.
    """
    siblings = Comic.objects.published(now=now).filter(series_id=OuterRef("series_id"))
    position, chapter = OuterRef("chapter__position"), OuterRef("chapter_id")
    neighbours = {
        "first": siblings.order_by("number"),
        "prev": siblings.filter(number__lt=OuterRef("number")).order_by("-number"),
        "next": siblings.filter(number__gt=OuterRef("number")).order_by("number"),
        "last": siblings.order_by("-number"),
        "chapter_start": siblings.filter(chapter_id=chapter).order_by("number"),
        # Chapters are ordered by (position, id): the previous chapter is the nearest one before.
        "prev_chapter": siblings.filter(
            Q(chapter__position__lt=position) | Q(chapter__position=position, chapter_id__lt=chapter)
        ).order_by("-chapter__position", "-chapter_id", "number"),
        "next_chapter": siblings.filter(
            Q(chapter__position__gt=position) | Q(chapter__position=position, chapter_id__gt=chapter)
        ).order_by("chapter__position", "chapter_id", "number"),
    }
    annotations = {}
    for name, subquery in neighbours.items():
        annotations[f"{name}_number"] = Subquery(subquery.values("number")[:1])
        annotations[f"{name}_slug"] = Subquery(subquery.values("slug")[:1])
    return queryset.annotate(**annotations)


def _for_page(queryset: QuerySet[Comic], *, now: datetime) -> QuerySet[Comic]:
    return (
        _with_navigation(queryset, now=now)
        .select_related("series", "chapter__series")
        .prefetch_related("images", "tags", "characters")
    )


def comic_for_page(*, series_slug: str | None, number: int) -> Comic | None:
    """A published comic with everything its page shows, in four queries."""
    now = timezone.now()
    comics = Comic.objects.published(now=now).filter(series_filter(series_slug), number=number)
    return _for_page(comics, now=now).first()


def comic_latest_for_page(*, series: Series) -> Comic | None:
    now = timezone.now()
    return _for_page(Comic.objects.published(now=now).filter(series=series), now=now).order_by("-number").first()


def comic_for_preview(*, pk: int) -> Comic | None:
    """Any comic, published or not, for a staff preview; navigation still follows the published order."""
    return _for_page(Comic.objects.filter(pk=pk), now=timezone.now()).first()


def comic_slug(*, series_slug: str | None, number: int) -> str | None:
    """The slug of a published comic, for redirects from the bare number."""
    return (
        Comic.objects.published()
        .filter(series_filter(series_slug), number=number)
        .values_list("slug", flat=True)
        .first()
    )


@dataclass(frozen=True)
class NavLink:
    number: int
    url: str
    current: bool


def comic_navigation(comic: Comic) -> dict[str, NavLink | None]:
    """The neighbour links of a comic annotated by `comic_for_page`, as addresses."""
    kwargs = comic.series.url_kwargs()
    links: dict[str, NavLink | None] = {}
    for name in NAV_LINKS:
        number = getattr(comic, f"{name}_number", None)
        if number is None:
            links[name] = None
            continue
        slug = getattr(comic, f"{name}_slug") or "-"
        url = reverse("comics:comic", kwargs={**kwargs, "number": number, "slug": slug})
        links[name] = NavLink(number=number, url=url, current=number == comic.number)
    return links


def comics_before(*, series: Series, before: int | None, limit: int) -> tuple[list[Comic], int | None]:
    """Up to `limit` published comics numbered below `before` (newest first), and the number to
    continue from, or None at the start of the archive (keyset pagination: no OFFSET)."""
    comics = Comic.objects.published().filter(series=series).for_listing().order_by("-number")
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
    return published.filter(number__gte=pick).order_by("number").select_related("series").first()


def comic_for_api(*, series_slug: str | None, number: int | None) -> Comic | None:
    """The comic behind the JSON API: that number, or the latest when `number` is None."""
    comics = (
        Comic.objects.published().filter(series_filter(series_slug)).select_related("series").prefetch_related("images")
    )
    if number is None:
        return comics.order_by("-number").first()
    return comics.filter(number=number).first()


# --- Archive -------------------------------------------------------------------------------------


def _first_comics(ids) -> dict[int, Comic]:
    ids = [pk for pk in ids if pk is not None]
    if not ids:
        return {}
    comics = list(Comic.objects.filter(pk__in=ids).for_listing())
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


def archive_years(*, series: Series) -> list[dict]:
    """[{"year": 2024, "count": 52}, ...], newest first, in the site's time zone."""
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
    return Chapter.objects.filter(series=series, slug=slug).select_related("series").first()


def comics_in_chapter(*, chapter: Chapter) -> QuerySet[Comic]:
    return Comic.objects.published().in_chapter(chapter).for_listing().order_by("number")


def comics_in_year(*, series: Series, year: int) -> QuerySet[Comic]:
    zone = timezone.get_current_timezone()
    start, end = datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)
    return (
        Comic.objects.published()
        .filter(series=series, publish_at__gte=start, publish_at__lt=end)
        .for_listing()
        .order_by("number")
    )


def comics_with_tag(*, tag: Tag) -> QuerySet[Comic]:
    return Comic.objects.published().filter(tags=tag).for_listing().order_by("-publish_at", "-number")


def comics_with_character(*, character: Character) -> QuerySet[Comic]:
    return Comic.objects.published().filter(characters=character).for_listing().order_by("publish_at", "number")


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
    firsts = {c.pk: c for c in Comic.objects.filter(pk__in=ids).select_related("series")} if ids else {}
    for character in characters:
        character.first_appearance = firsts.get(character.first_appearance_id)
    return characters


def images_first(comics) -> None:
    """Set `comic.first_image` on comics whose images were prefetched (for thumbnails)."""
    for comic in comics:
        images = list(comic.images.all())
        comic.first_image = images[0] if images else None


def image_for_serving(*, pk: int) -> ComicImage | None:
    return ComicImage.objects.select_related("comic").filter(pk=pk).first()


def feed_comics(*, series: Series, limit: int = 20) -> list[Comic]:
    return list(
        Comic.objects.published()
        .filter(series=series)
        .select_related("series")
        .prefetch_related("images", "tags")
        .order_by("-publish_at", "-number")[:limit]
    )
