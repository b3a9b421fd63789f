"""Cache invalidation: any change to what readers see bumps a content version.

The *content state* is that version plus the publish time of the next scheduled comic: every
cache of reader-facing data is valid for one state (whole pages in comics/decorators.py, the
published order each worker keeps in comics/selectors.py). The state is computed once per change,
with the list of series readers can see, and shared through the cache. Bulk writes that send no
signals (the importer's bulk_create/bulk_update, chapter reordering) call `content_changed()`.
"""

from datetime import datetime
from typing import Any
from uuid import uuid4

from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

VERSION_KEY = "comics:content-version"


# (version, next publish time, series menu); the key names its layout, so a value written by an
# older release is never read as this one.
NEXT_PUBLISH_KEY = "comics:next-publish:v2"


def content_version() -> str:
    """The current version; a new one when the cache has none (it was cleared or evicted)."""
    return content_version_and_schedule()[0]


def content_state() -> str:
    """A token that changes whenever what readers see may have changed: on every write (the
    content version) and when the next scheduled comic's time comes. Every worker computes the
    same token, so caches keyed by it agree."""
    return content_state_and_get(None)[0]


def content_state_and_get(key: str | None) -> tuple[str, Any]:
    """The content state, and the cached value at `key`, in one cache round trip."""
    version, upcoming, value, _ = _read_state(key)
    return f"{version}:{upcoming.isoformat() if upcoming else 'none'}", value


def content_version_and_schedule() -> tuple[str, datetime | None]:
    """The content version and the publish time of the next scheduled comic (None if none)."""
    version, upcoming, _, _ = _read_state(None)
    return version, upcoming


def series_menu() -> list[tuple[str, str, bool]]:
    """(slug, title, is_default) of every series with a published comic, in menu order: kept with
    the content state, so it costs no query of its own."""
    return _read_state(None)[3]


def _read_state(key: str | None) -> tuple[str, datetime | None, Any, list]:
    """One cache round trip; one query per version and per scheduled comic coming out."""
    stored = cache.get_many([VERSION_KEY, NEXT_PUBLISH_KEY, *([key] if key else [])])
    version, schedule = stored.get(VERSION_KEY), stored.get(NEXT_PUBLISH_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    now = timezone.now()
    # The schedule is trusted only for the version it was computed under and until it comes due.
    if (
        not isinstance(schedule, tuple)
        or len(schedule) != 3
        or schedule[0] != version
        or (schedule[1] is not None and now >= schedule[1])
    ):
        schedule = (version, *_schedule_and_menu(now))
        cache.set(NEXT_PUBLISH_KEY, schedule, timeout=None)
    return version, schedule[1], stored.get(key), schedule[2]


def _schedule_and_menu(now: datetime) -> tuple[datetime | None, list]:
    """The next scheduled publish time over all series, and the series readers can see, in one
    query over the series."""
    from comics.models import Comic, Series

    rows = Series.objects.annotate(
        upcoming=Subquery(
            Comic.objects.scheduled(now=now)
            .filter(series=OuterRef("pk"))
            .order_by("publish_at")
            .values("publish_at")[:1]
        ),
        visible=Exists(Comic.objects.published(now=now).filter(series=OuterRef("pk"))),
    ).values_list("slug", "title", "is_default", "upcoming", "visible")
    upcoming = min((row[3] for row in rows if row[3] is not None), default=None)
    return upcoming, [row[:3] for row in rows if row[4]]


def content_changed(**kwargs) -> None:
    """Bump the version now, and again when the transaction commits: a worker that rebuilt its
    cache in between, from rows not yet committed, rebuilds once more."""
    _bump()
    transaction.on_commit(_bump)


def _bump() -> None:
    cache.set(VERSION_KEY, uuid4().hex, timeout=None)


def connect() -> None:
    from comics.models import Chapter, Character, Comic, ComicImage, Series, Tag

    for model in (Series, Chapter, Comic, ComicImage, Tag, Character):
        post_save.connect(content_changed, sender=model, dispatch_uid=f"content-save-{model.__name__}")
        post_delete.connect(content_changed, sender=model, dispatch_uid=f"content-delete-{model.__name__}")
    for through in (Comic.tags.through, Comic.characters.through):
        m2m_changed.connect(content_changed, sender=through, dispatch_uid=f"content-m2m-{through.__name__}")
