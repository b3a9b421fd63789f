"""Many comics at once, for query-count tests: rows only (no image files are written)."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comics.models import Chapter, Character, Comic, ComicImage, Series, Tag
from comics.signals import content_changed


def comics(
    count: int,
    *,
    series: Series,
    start: int = 1,
    chapter: Chapter | None = None,
    tag: Tag | None = None,
    character: Character | None = None,
) -> list[Comic]:
    """`count` published comics numbered from `start`, one day apart, each with an image (and the
    given chapter, tag and character)."""
    now = timezone.now()
    Comic.objects.bulk_create(
        Comic(
            series=series,
            number=start + i,
            slug=f"comic-{start + i}",
            title=f"Comic {start + i}",
            alt_text=f"Alt text {start + i}",
            transcript=f"Transcript {start + i}",
            status=Comic.Status.PUBLISHED,
            publish_at=now - timedelta(days=start + count - i),
            chapter=chapter,
        )
        for i in range(count)
    )
    created = list(Comic.objects.filter(series=series, number__gte=start, number__lt=start + count))
    ComicImage.objects.bulk_create(
        ComicImage(
            comic=comic,
            file=f"comics/bulk{comic.pk}/original.png",
            width=1200,
            height=900,
            format="PNG",
            size=4321,
            variants={
                "widths": [
                    {
                        "w": 480,
                        "h": 360,
                        "webp": f"comics/bulk{comic.pk}/w480.webp",
                        "orig": f"comics/bulk{comic.pk}/w480.png",
                    },
                    {
                        "w": 960,
                        "h": 720,
                        "webp": f"comics/bulk{comic.pk}/w960.webp",
                        "orig": f"comics/bulk{comic.pk}/w960.png",
                    },
                ],
                "thumb": {
                    "w": 240,
                    "h": 180,
                    "webp": f"comics/bulk{comic.pk}/thumb.webp",
                    "orig": f"comics/bulk{comic.pk}/thumb.png",
                },
            },
        )
        for comic in created
    )
    if tag:
        Comic.tags.through.objects.bulk_create(Comic.tags.through(comic=c, tag=tag) for c in created)
    if character:
        Comic.characters.through.objects.bulk_create(
            Comic.characters.through(comic=c, character=character) for c in created
        )
    content_changed()  # bulk writes send no signals, as in the importer
    return created


def query_count(client, url: str) -> int:
    """How many SQL statements one GET of `url` runs (and that it answers 200)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)
