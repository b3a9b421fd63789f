"""Cache invalidation, and nothing else: any change to what readers see bumps a content version.

Caches of reader-facing data (the published order each worker keeps in memory) are keyed by
this version. Bulk writes that send no signals (the importer's bulk_create/bulk_update, chapter
reordering) call `content_changed()` themselves.
"""

from uuid import uuid4

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "comics:content-version"


def content_version() -> str:
    """The current version; a new one when the cache has none (it was cleared or evicted)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


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
