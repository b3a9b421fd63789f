"""Cache invalidation, and nothing else: any change to what readers see bumps a content version.

Caches of reader-facing data (the published order each worker keeps in memory) are keyed by
this version. Bulk writes that send no signals (the importer's bulk_create/bulk_update, chapter
reordering) call `content_changed()` themselves.
"""

from datetime import datetime
from uuid import uuid4

from django.core.cache import cache
from django.db import transaction
from django.db.models import Min
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

VERSION_KEY = "comics:content-version"


def content_version() -> str:
    """The current version; a new one when the cache has none (it was cleared or evicted)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def content_state() -> str:
    """A token that changes whenever what readers see may have changed: on every write (the
    content version) and when the next scheduled comic's time comes. Every worker computes the
    same token, so caches keyed by it agree."""
    version, upcoming = content_version_and_schedule()
    return f"{version}:{upcoming.isoformat() if upcoming else 'none'}"


def content_version_and_schedule() -> tuple[str, datetime | None]:
    """The content version and the publish time of the next scheduled comic (None if there is
    none): one query per version and per scheduled comic coming out, shared through the cache."""
    from comics.models import Comic

    version = content_version()
    key = f"comics:next-publish:{version}"
    stored, now = cache.get(key), timezone.now()
    upcoming = None if stored in (None, "none") else datetime.fromisoformat(stored)
    if stored is None or (upcoming is not None and now >= upcoming):
        upcoming = Comic.objects.scheduled(now=now).aggregate(at=Min("publish_at"))["at"]
        cache.set(key, upcoming.isoformat() if upcoming else "none", timeout=24 * 3600)
    return version, upcoming


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
