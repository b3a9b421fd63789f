"""Forms of the author admin: the comic form's publish warning, the action pages and bulk upload.

Every upload goes through `images.validate_upload`, so an SVG, a renamed text file or an image
over the megapixel or memory limit is a form error, never a 500. Bulk upload takes at most
BULK_UPLOAD_MAX_FILES files, so that one request stays within the worker timeout.
"""

from __future__ import annotations

import json
from contextlib import suppress

from django import forms
from django.conf import settings
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.utils import timezone

from comics.models import Chapter, Character, Comic, ComicImage, Series
from comics.selectors import comic_next_number, series_next_numbers

WEEKDAYS = [(0, "Mon"), (1, "Tue"), (2, "Wed"), (3, "Thu"), (4, "Fri"), (5, "Sat"), (6, "Sun")]


def _site_time_help(text: str) -> str:
    return f"{text} In the site's time zone ({settings.TIME_ZONE})."


def validate_upload(value):
    """comics.images.validate_upload, with Pillow loaded only when an upload is checked (reader
    workers never load it)."""
    from comics import images

    return images.validate_upload(value)


def _validated_upload(value):
    """Verify a newly uploaded image; a file already stored (an unchanged field) is left alone."""
    if isinstance(value, UploadedFile):
        validate_upload(value)
    return value


class UploadFieldsMixin:
    """Image fields of the admin forms: a plain file field (Pillow's own check is replaced by ours)."""

    upload_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.upload_fields:
            if name in self.fields:
                self.fields[name].validators.append(_validated_upload)


class ComicAdminForm(forms.ModelForm):
    """The comic change form. Publishing without alt text or transcript needs "Publish anyway"."""

    publish_anyway = forms.BooleanField(
        required=False,
        label="Publish anyway",
        widget=forms.HiddenInput,
        help_text="Tick to publish this comic without alt text or transcript.",
    )

    class Meta:
        model = Comic
        fields = (
            "series",
            "number",
            "title",
            "slug",
            "status",
            "publish_at",
            "alt_text",
            "description",
            "transcript",
            "note",
            "link",
            "chapter",
            "tags",
            "characters",
        )
        help_texts = {
            "link": "Optional address the image links to: a web address (https://…) or a page of this site (/…).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "publish_at" in self.fields:
            self.fields["publish_at"].help_text = _site_time_help(
                "Readers see the comic from this time on, once it is published."
            )
        if self.instance.pk is None and not self.is_bound and {"series", "number"} <= self.fields.keys():
            self._propose_series_and_number()

    def _propose_series_and_number(self):
        """A new comic: the default series (unless the address names one) and its next free number.

        The number field carries every series' next number, so that picking another series in the
        form proposes that series' number (static/js/admin_comic_number.js).
        """
        next_numbers = series_next_numbers()
        if not next_numbers:
            return
        series = self.initial.setdefault("series", next(iter(next_numbers)))
        with suppress(TypeError, ValueError):
            self.initial.setdefault("number", next_numbers.get(int(series)))
        self.fields["number"].widget.attrs["data-next-numbers"] = json.dumps(next_numbers)

    def clean_link(self):
        link = self.cleaned_data["link"]
        if link and not is_allowed_link(link):
            raise ValidationError(
                "Enter a web address starting with https:// or http://, or a path on this site starting with /.",
                code="link_scheme",
            )
        return link

    def clean(self):
        cleaned = super().clean()
        self._check_number_is_free(cleaned.get("series"), cleaned.get("number"))
        # Only the step into "published" warns: editing an imported comic that has no transcript
        # should not nag on every save.
        becomes_published = (
            cleaned.get("status") == Comic.Status.PUBLISHED and self.instance.status != Comic.Status.PUBLISHED
        )
        missing = comic_missing_text(alt_text=cleaned.get("alt_text", ""), transcript=cleaned.get("transcript", ""))
        if becomes_published and missing:
            self.fields["publish_anyway"].widget = forms.CheckboxInput()
            if not cleaned.get("publish_anyway"):
                self.add_error(
                    "publish_anyway",
                    ValidationError(
                        "This comic has no %(missing)s. Readers who cannot see the image rely on them. "
                        "Add them, save as a draft, or tick “Publish anyway”.",
                        code="publish_without_text",
                        params={"missing": " and no ".join(missing)},
                    ),
                )
        return cleaned

    def _check_number_is_free(self, series, number):
        """Name the next free number when the chosen one is taken (say, after switching series)."""
        if series is None or number is None:
            return
        taken = Comic.objects.filter(series=series, number=number).exclude(pk=self.instance.pk)
        if taken.exists():
            self.add_error(
                "number",
                ValidationError(
                    "Number %(number)d is taken in “%(series)s”; the next free is %(next)d.",
                    code="number_taken",
                    params={"number": number, "series": series, "next": comic_next_number(series=series)},
                ),
            )


def is_allowed_link(value: str) -> bool:
    """An http(s) address with a host, or a path on this site ("/about"); nothing a browser could run."""
    if value.startswith("/"):
        # "//host" and "/\host" lead browsers to another host; spaces and control characters have no place.
        return not value.startswith(("//", "/\\")) and not any(c.isspace() or ord(c) < 32 for c in value)
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return False
    return True


def comic_missing_text(*, alt_text: str, transcript: str) -> list[str]:
    """What a comic lacks before it should be published: ["alt text", "transcript"], or []."""
    return [label for label, value in (("alt text", alt_text), ("transcript", transcript)) if not value.strip()]


class ComicImageForm(UploadFieldsMixin, forms.ModelForm):
    """A row of the images inline. A new file replaces the row's image (or fills a missing one)."""

    upload_fields = ("file",)

    class Meta:
        model = ComicImage
        fields = ("file", "position")
        field_classes = {"file": forms.FileField}
        # No "currently"/"clear": the thumbnail shows the image, and an image is removed with "Delete".
        widgets = {"file": forms.FileInput}

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and not cleaned.get("file") and "file" not in self.errors:
            self.add_error("file", "Choose an image file.")
        return cleaned


class ChapterAdminForm(forms.ModelForm):
    class Meta:
        model = Chapter
        fields = ("series", "title", "slug", "position", "description", "cover")
        field_classes = {"cover": forms.FileField}

    def clean_cover(self):
        # The archive reserves the cover's space with its size (no layout shift).
        cover = self.cleaned_data["cover"]
        if isinstance(cover, UploadedFile):
            info = validate_upload(cover)
            self.instance.cover_width, self.instance.cover_height = info.width, info.height
        elif not cover:
            self.instance.cover_width = self.instance.cover_height = None
        return cover


class CharacterAdminForm(UploadFieldsMixin, forms.ModelForm):
    upload_fields = ("portrait",)

    class Meta:
        model = Character
        fields = ("name", "slug", "code", "bio", "portrait")
        field_classes = {"portrait": forms.FileField}


class SeriesAdminForm(forms.ModelForm):
    # Not the model field itself: the database allows one default, and the admin hands the flag over
    # from the old default to the new one (`services.series_make_default`) instead of refusing.
    make_default = forms.BooleanField(
        required=False,
        label="Default series",
        help_text="The main series: its pages need no prefix in their addresses. Ticking it here takes the "
        "flag from the current default series.",
    )

    class Meta:
        model = Series
        fields = ("title", "slug", "description", "position")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["make_default"].initial = self.instance.is_default

    def clean_make_default(self):
        make_default = self.cleaned_data["make_default"]
        if self.instance.is_default and not make_default:
            raise ValidationError(
                "A site always has one default series. To change it, make another series the default.",
                code="default_required",
            )
        return make_default


class FutureTimeField(forms.SplitDateTimeField):
    """A date and a time typed in the site's time zone, refused when it has passed.

    With USE_TZ the form field itself refuses a local time that does not exist (a daylight-saving gap)
    or is ambiguous, with a message naming the zone.
    """

    widget = AdminSplitDateTime

    def validate(self, value):
        super().validate(value)
        if value and value <= timezone.now():
            raise ValidationError("Choose a time in the future.", code="past")


class ScheduleForm(forms.Form):
    publish_at = FutureTimeField(label="Publish at")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["publish_at"].help_text = _site_time_help("Readers see the comics from this time on.")


class MoveToChapterForm(forms.Form):
    chapter = forms.ModelChoiceField(Chapter.objects.select_related("series"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chapter"].label_from_instance = lambda c: f"{c.series} — {c.title}"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Many files from one `<input type=file multiple>`, each cleaned as a single file field would be."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if not data:
            super().clean(None, initial)  # raises "required"
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class BulkUploadForm(forms.Form):
    files = MultipleFileField(label="Images")
    series = forms.ModelChoiceField(Series.objects.all(), empty_label=None)
    chapter = forms.ModelChoiceField(Chapter.objects.select_related("series"), required=False)
    start = FutureTimeField(
        label="Schedule from",
        required=False,
    )
    weekdays = forms.TypedMultipleChoiceField(
        label="On",
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Days of the week to publish on. None ticked: every day.",
    )
    # Uploaded comics have no alt text or transcript yet: scheduling them asks for the same
    # confirmation as publishing such a comic does in the change form and the "publish" action.
    schedule_anyway = forms.BooleanField(
        required=False,
        label="Schedule without alt text and transcript",
        help_text="Uploaded comics have neither yet; readers who cannot see the images rely on them. "
        "You can add them to each comic before its date.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = settings.BULK_UPLOAD_MAX_FILES
        self.fields["files"].help_text = (
            f"Select up to {limit} at once. They become draft comics numbered in file-name order "
            "(page2 before page10), after the series' last number. Upload more in further batches: "
            "the numbering continues."
        )
        self.fields["series"].initial = Series.objects.first()  # the default series comes first
        self.fields["start"].help_text = _site_time_help(
            "Optional: schedule the comics. The first appears on the first chosen day from this date, "
            "at this time, and each next one on the next chosen day."
        )
        self.fields["chapter"].label_from_instance = lambda c: f"{c.series} — {c.title}"

    def clean_files(self):
        files = self.cleaned_data["files"]
        limit = settings.BULK_UPLOAD_MAX_FILES
        if len(files) > limit:
            raise ValidationError(
                "You chose %(count)d images; one upload takes at most %(limit)d. Upload %(limit)d now and "
                "the rest in further batches: the numbering continues after the last comic.",
                code="too_many_files",
                params={"count": len(files), "limit": limit},
            )
        return files

    def clean(self):
        cleaned = super().clean()
        series, chapter = cleaned.get("series"), cleaned.get("chapter")
        if series and chapter and chapter.series_id != series.pk:
            self.add_error("chapter", f"“{chapter}” belongs to the series “{chapter.series}”, not “{series}”.")
        if cleaned.get("weekdays") and not cleaned.get("start") and "start" not in self.errors:
            self.add_error("start", "Choose the date and time to schedule from, or untick the days.")
        if cleaned.get("start") and not cleaned.get("schedule_anyway"):
            self.add_error(
                "schedule_anyway",
                ValidationError(
                    "Scheduled comics appear on their own at their dates, and uploaded comics have no alt "
                    "text or transcript yet. Tick “Schedule without alt text and transcript”, or leave the "
                    "schedule empty to upload drafts.",
                    code="schedule_without_text",
                ),
            )
        return cleaned
