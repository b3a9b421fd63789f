"""The content model: series, chapters, comics and their images, tags and characters.

"Published" is defined once, in `ComicQuerySet.published()`; every reader-facing surface goes
through it, so a draft or a scheduled comic never leaks and no job is needed for a scheduled
comic to appear at its time.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class Series(models.Model):
    """A numbering of comics with its own navigation, archive and feed (main story, side stories)."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True, help_text="Used in the addresses of this series' pages.")
    description = models.TextField(blank=True)
    is_default = models.BooleanField(
        default=False, help_text="The main series: its pages need no prefix in their addresses. Exactly one."
    )
    position = models.PositiveIntegerField(default=0, help_text="Order of the series in menus.")

    class Meta:
        ordering = ["-is_default", "position", "title"]
        verbose_name_plural = "series"
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_series")
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("comics:home", kwargs=self.url_kwargs())

    def url_kwargs(self) -> dict:
        return {} if self.is_default else {"series": self.slug}


class Chapter(models.Model):
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="chapters")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100)
    position = models.PositiveIntegerField(default=0, help_text="Chapters are listed in this order, lowest first.")
    description = models.TextField(blank=True, help_text="Shown on the chapter's archive page.")
    cover = models.ImageField(upload_to="chapters/", blank=True, help_text="Optional cover art for the archive.")
    cover_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    cover_height = models.PositiveIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["series", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["series", "slug"], name="chapter_slug_unique_in_series")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("comics:chapter", kwargs={**self.series.url_kwargs(), "chapter": self.slug})


class Tag(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("comics:tag", kwargs={"tag": self.slug})


class Character(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    bio = models.TextField(blank=True, help_text="A few lines for the cast page.")
    portrait = models.ImageField(upload_to="characters/", blank=True)
    code = models.CharField(
        max_length=20, blank=True, help_text="Speaker label used in imported transcripts (for example M for Mimi)."
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("comics:character", kwargs={"character": self.slug})


class ComicQuerySet(models.QuerySet):
    def published(self, *, now=None) -> ComicQuerySet:
        """What readers may see: marked published, and its publish time has come."""
        return self.filter(status=Comic.Status.PUBLISHED, publish_at__lte=now or timezone.now())

    def scheduled(self, *, now=None) -> ComicQuerySet:
        return self.filter(status=Comic.Status.PUBLISHED, publish_at__gt=now or timezone.now())

    def in_series(self, series: Series) -> ComicQuerySet:
        return self.filter(series=series)

    def in_chapter(self, chapter: Chapter) -> ComicQuerySet:
        return self.filter(chapter=chapter)

    def for_listing(self) -> ComicQuerySet:
        """What a page that shows many comics needs, in a constant number of queries."""
        return self.select_related("series", "chapter").prefetch_related("images")


class Comic(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    series = models.ForeignKey(Series, on_delete=models.PROTECT, related_name="comics")
    number = models.PositiveIntegerField(help_text="Unique within the series. Gaps are fine.")
    slug = models.SlugField(max_length=200, allow_unicode=False, help_text="The readable part of the address.")
    title = models.CharField(max_length=500)
    alt_text = models.TextField(blank=True, help_text="The hover text readers see over the image.")
    description = models.TextField(
        blank=True,
        help_text="A plain description of the image for readers using screen readers. "
        "When empty, the transcript (or the title) is used.",
    )
    transcript = models.TextField(blank=True, help_text="Who says what, panel by panel.")
    note = models.TextField(
        blank=True, help_text="Your note under the comic. Markdown; scripts and unsafe HTML are removed."
    )
    link = models.CharField(max_length=1000, blank=True, help_text="Optional address the image links to.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    publish_at = models.DateTimeField(
        default=timezone.now,
        db_index=True,
        help_text="Readers see the comic from this time on, once it is marked published.",
    )
    chapter = models.ForeignKey(Chapter, null=True, blank=True, on_delete=models.SET_NULL, related_name="comics")
    tags = models.ManyToManyField(Tag, blank=True, related_name="comics")
    characters = models.ManyToManyField(Character, blank=True, related_name="comics")
    # Where an imported comic came from ("xkcd:614"); a re-import matches on it.
    source_id = models.CharField(max_length=200, blank=True, editable=False)
    source_url = models.CharField(max_length=1000, blank=True, editable=False)
    # Digest of the imported record: a re-import with the same digest leaves the comic unchanged.
    source_hash = models.CharField(max_length=64, blank=True, editable=False)
    # Raw extras from an import (xkcd's extra_parts): kept, never rendered.
    extra = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ComicQuerySet.as_manager()

    class Meta:
        ordering = ["series", "number"]
        constraints = [
            models.UniqueConstraint(fields=["series", "number"], name="comic_number_unique_in_series"),
        ]
        indexes = [
            models.Index(fields=["series", "status", "publish_at"], name="comic_published_idx"),
            models.Index(fields=["series", "source_id"], name="comic_source_idx"),
            models.Index(fields=["chapter", "number"], name="comic_chapter_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("comics:comic", kwargs={**self.url_kwargs(), "slug": self.slug or "-"})

    def url_kwargs(self) -> dict:
        return {**self.series.url_kwargs(), "number": self.number}

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.publish_at <= timezone.now()

    @property
    def state_label(self) -> str:
        if self.status == self.Status.DRAFT:
            return "Draft"
        if self.publish_at > timezone.now():
            return f"Scheduled for {timezone.localtime(self.publish_at):%Y-%m-%d %H:%M %Z}"
        return "Published"

    @property
    def image_alt(self) -> str:
        """What the image's alt attribute says: a description, else the transcript, else the title."""
        return self.description or self.transcript or self.title


def image_upload_to(instance: ComicImage, filename: str) -> str:
    # A random folder: the address of an unpublished comic's image cannot be guessed, and the
    # file view checks publication anyway.
    suffix = PurePosixPath(filename).suffix.lower()[:6]
    return f"comics/{uuid.uuid4().hex}/original{suffix}"


class ComicImage(models.Model):
    """One image of a comic (a page can have several). Variants are generated when it is saved."""

    comic = models.ForeignKey(Comic, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveIntegerField(default=0)
    file = models.ImageField(upload_to=image_upload_to, blank=True, max_length=300)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    format = models.CharField(max_length=10, blank=True)  # PNG, JPEG, GIF, WEBP
    size = models.PositiveIntegerField(null=True, blank=True, help_text="Bytes")
    is_animated = models.BooleanField(default=False)
    # {"widths": [{"w": 480, "h": 300, "webp": "path", "orig": "path"}], "thumb": {...}}
    variants = models.JSONField(default=dict, blank=True)
    # Where the image lives when it is not at hand (an import whose file was missing).
    source_url = models.CharField(max_length=1000, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        ordering = ["comic", "position", "id"]

    def __str__(self) -> str:
        return f"{self.comic} image {self.position + 1}"

    @property
    def is_missing(self) -> bool:
        return not self.file

    def variant_path(self, key: str) -> str | None:
        """The storage path behind a variant key, or None.

        Keys: "original.<ext>"; "w<width>.webp" / "w<width>.<ext>" for srcset widths;
        "thumb.webp" / "thumb.<ext>" for the still thumbnail. `<ext>` is the file's own extension.
        """
        stem, _, ext = key.partition(".")
        if stem == "original":
            return self.file.name or None
        if stem == "thumb":
            entry = self.variants.get("thumb")
        else:
            entry = next((v for v in self.variants.get("widths", []) if f"w{v['w']}" == stem), None)
        if not entry:
            return None
        path = entry["webp"] if ext == "webp" else entry["orig"]
        return path if path.endswith(f".{ext}") else None

    def url(self, key: str | None = None) -> str:
        """The reader-facing address of a variant (default: the original)."""
        if key is None:
            key = "original" + PurePosixPath(self.file.name).suffix
        return reverse("comics:image", kwargs={"pk": self.pk, "key": key})

    @property
    def mime_type(self) -> str:
        return {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}.get(
            self.format, "application/octet-stream"
        )
