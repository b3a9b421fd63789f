"""The author admin's forms on their own: the publish warning, the time fields, uploads, bulk upload."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict

from comics.forms import (
    BulkUploadForm,
    ChapterAdminForm,
    ComicAdminForm,
    MoveToChapterForm,
    ScheduleForm,
    SeriesAdminForm,
)
from comics.models import Comic, Series
from tests import factories

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"/>'


def comic_data(comic: Comic, **overrides) -> dict:
    data = {
        "series": comic.series_id,
        "number": comic.number,
        "title": comic.title,
        "slug": comic.slug,
        "status": comic.status,
        "publish_at": comic.publish_at,
        "alt_text": comic.alt_text,
        "transcript": comic.transcript,
    }
    return {**data, **overrides}


def png(name: str = "page.png", width: int = 40, height: int = 30) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, factories.png_bytes(width, height), content_type="image/png")


# --- The comic form's publish warning --------------------------------------------------------------


def test_publishing_a_draft_without_transcript_is_an_error_with_a_publish_anyway_checkbox():
    comic = factories.draft_comic(alt_text="hover")

    form = ComicAdminForm(comic_data(comic, status="published"), instance=comic)

    assert not form.is_valid()
    assert form.errors["publish_anyway"] == [
        "This comic has no transcript. Readers who cannot see the image rely on them. "
        "Add them, save as a draft, or tick “Publish anyway”."
    ]
    assert 'type="checkbox" name="publish_anyway"' in str(form["publish_anyway"])


def test_publish_anyway_lets_a_draft_without_text_be_published():
    comic = factories.draft_comic()

    form = ComicAdminForm(comic_data(comic, status="published", publish_anyway="on"), instance=comic)

    assert form.is_valid(), form.errors
    assert form.save().status == Comic.Status.PUBLISHED


def test_publish_anyway_stays_hidden_while_there_is_nothing_to_confirm():
    comic = factories.draft_comic()

    draft_form = ComicAdminForm(comic_data(comic, title="Still a draft"), instance=comic)
    complete_form = ComicAdminForm(
        comic_data(comic, status="published", alt_text="hover", transcript="words"), instance=comic
    )

    assert draft_form.is_valid() and complete_form.is_valid()
    assert 'type="hidden" name="publish_anyway"' in str(draft_form["publish_anyway"])
    assert 'type="hidden" name="publish_anyway"' in str(complete_form["publish_anyway"])


def test_a_new_comic_saved_as_published_without_alt_text_is_warned_about(series):
    data = {"series": series.pk, "number": 1, "title": "Fresh", "slug": "fresh", "status": "published"}

    form = ComicAdminForm({**data, "publish_at": "2026-01-01 10:00", "transcript": "words"})

    assert not form.is_valid()
    assert "This comic has no alt text." in form.errors["publish_anyway"][0]


# --- A new comic's series and number, the link -----------------------------------------------------


def side_series() -> Series:
    return Series.objects.create(title="Side stories", slug="side")


def test_a_new_comic_form_proposes_the_default_series_and_its_next_free_number(series):
    side = side_series()
    factories.comic(number=7)
    factories.draft_comic(number=12)  # drafts take numbers too
    factories.comic(number=3, series=side)

    form = ComicAdminForm()

    assert form["series"].value() == series.pk
    assert form["number"].value() == 13
    assert json.loads(form.fields["number"].widget.attrs["data-next-numbers"]) == {str(series.pk): 13, str(side.pk): 4}


def test_a_new_comic_form_proposes_the_only_series_even_when_none_is_the_default(series):
    Series.objects.update(is_default=False)

    form = ComicAdminForm()

    assert form["series"].value() == series.pk
    assert form["number"].value() == 1


def test_a_new_comic_form_proposes_the_next_number_of_the_series_it_was_opened_for(series):
    side = side_series()
    factories.comic(number=5, series=side)

    form = ComicAdminForm(initial={"series": str(side.pk)})

    assert form["number"].value() == 6


def test_an_existing_comic_keeps_its_own_series_and_number(series):
    comic = factories.comic(number=2)
    factories.comic(number=9)

    form = ComicAdminForm(instance=comic)

    assert form["number"].value() == 2
    assert "data-next-numbers" not in form.fields["number"].widget.attrs


def test_a_number_taken_in_the_chosen_series_is_refused_naming_the_next_free_one(series):
    side = side_series()
    factories.comic(number=1, series=side)
    factories.comic(number=2, series=side)
    factories.comic(number=31)
    data = {"series": side.pk, "number": 2, "title": "Switched", "slug": "switched", "status": "draft"}

    form = ComicAdminForm({**data, "publish_at": "2026-01-01 10:00"})

    assert not form.is_valid()
    assert form.errors["number"] == ["Number 2 is taken in “Side stories”; the next free is 3."]


def test_a_comic_keeps_its_own_number_when_saved_again():
    comic = factories.comic(number=4, alt_text="hover", transcript="words")

    assert ComicAdminForm(comic_data(comic, title="Renamed"), instance=comic).is_valid()


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "java\tscript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "ftp://example.com/strip.png",
        "mailto:author@example.com",
        "//evil.example/page",
        "/\\evil.example/page",
        "/a path with spaces",
        "example.com/shop",
        "https://",
    ],
)
def test_a_link_that_is_not_a_web_address_or_a_site_path_is_refused(link):
    comic = factories.comic(alt_text="hover", transcript="words")

    form = ComicAdminForm(comic_data(comic, link=link), instance=comic)

    assert not form.is_valid()
    assert form.errors["link"] == [
        "Enter a web address starting with https:// or http://, or a path on this site starting with /."
    ]


@pytest.mark.parametrize("link", ["https://example.com/shop?item=3#top", "http://example.com", "/about/", ""])
def test_a_web_address_a_site_path_or_no_link_is_accepted(link):
    comic = factories.comic(alt_text="hover", transcript="words")

    form = ComicAdminForm(comic_data(comic, link=link), instance=comic)

    assert form.is_valid(), form.errors
    assert form.cleaned_data["link"] == link


# --- Times in the site's time zone -----------------------------------------------------------------


def test_schedule_form_reads_the_time_in_the_site_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"

    form = ScheduleForm({"publish_at_0": "2030-01-15", "publish_at_1": "09:00"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["publish_at"] == datetime(2030, 1, 15, 14, 0, tzinfo=UTC)
    assert "America/New_York" in form.fields["publish_at"].help_text


def test_schedule_form_refuses_a_time_that_does_not_exist_locally(settings):
    settings.TIME_ZONE = "Europe/Paris"

    form = ScheduleForm({"publish_at_0": "2026-03-29", "publish_at_1": "02:30"})

    assert not form.is_valid()
    assert form.errors["publish_at"] == [
        "2026-03-29 02:30:00 couldn’t be interpreted in time zone Europe/Paris; "
        "it may be ambiguous or it may not exist."
    ]


def test_comic_form_refuses_an_ambiguous_local_time(settings):
    """When the clocks go back, 02:30 happens twice; the form will not guess which."""
    settings.TIME_ZONE = "Europe/Paris"
    comic = factories.draft_comic()

    form = ComicAdminForm(comic_data(comic, publish_at="2026-10-25 02:30"), instance=comic)

    assert not form.is_valid()
    assert "couldn’t be interpreted in time zone Europe/Paris" in form.errors["publish_at"][0]


# --- Uploads -------------------------------------------------------------------------------------------


def test_chapter_cover_over_the_megapixel_limit_names_the_limit_and_the_size(series, settings):
    settings.IMAGE_MAX_MEGAPIXELS = 1
    data = {"series": series.pk, "title": "Big", "slug": "big", "position": 1}

    form = ChapterAdminForm(data, {"cover": png("cover.png", 2000, 1000)})

    assert not form.is_valid()
    assert form.errors["cover"] == ["This image is 2000×1000 (2.0 megapixels); the limit is 1 megapixels."]


def test_chapter_cover_upload_records_the_cover_size(series):
    data = {"series": series.pk, "title": "Covered", "slug": "covered", "position": 1}

    form = ChapterAdminForm(data, {"cover": png("cover.png", 300, 200)})

    assert form.is_valid(), form.errors
    chapter = form.save()
    chapter.refresh_from_db()
    assert (chapter.cover_width, chapter.cover_height) == (300, 200)


def test_chapter_form_keeps_a_stored_cover_without_checking_it_again(series):
    chapter = factories.chapter(title="Covered")
    chapter.cover.save("cover.png", png(), save=True)
    data = {"series": series.pk, "title": "Renamed", "slug": chapter.slug, "position": 1}

    form = ChapterAdminForm(data, {}, instance=chapter)

    assert form.is_valid(), form.errors
    assert form.save().cover.name == chapter.cover.name


def test_move_to_chapter_form_names_each_chapter_with_its_series(series):
    side = Series.objects.create(title="Side stories", slug="side")
    factories.chapter(series=side, title="Beach")

    html = str(MoveToChapterForm()["chapter"])

    assert "Side stories — Beach</option>" in html


def test_series_form_shows_the_default_flag_of_its_series(series):
    assert SeriesAdminForm(instance=series)["make_default"].initial is True
    assert SeriesAdminForm()["make_default"].initial is False


# --- Bulk upload -------------------------------------------------------------------------------------


def bulk_form(data: dict, files: list) -> BulkUploadForm:
    return BulkUploadForm(data, MultiValueDict({"files": files}))


def test_bulk_upload_form_keeps_every_selected_file(series):
    form = bulk_form({"series": series.pk}, [png("a.png"), png("b.png"), png("c.png")])

    assert form.is_valid(), form.errors
    assert [f.name for f in form.cleaned_data["files"]] == ["a.png", "b.png", "c.png"]


def test_bulk_upload_form_needs_at_least_one_file(series):
    form = bulk_form({"series": series.pk}, [])

    assert not form.is_valid()
    assert form.errors["files"] == ["This field is required."]


def test_bulk_upload_form_leaves_checking_the_images_to_the_upload(series):
    """A bad file does not sink the whole batch: the service refuses it and keeps the others."""
    form = bulk_form({"series": series.pk}, [png(), SimpleUploadedFile("x.svg", SVG)])

    assert form.is_valid(), form.errors


def test_bulk_upload_form_refuses_a_chapter_of_another_series(series):
    side = Series.objects.create(title="Side stories", slug="side")
    chapter = factories.chapter(series=side, title="Beach")

    form = bulk_form({"series": series.pk, "chapter": chapter.pk}, [png()])

    assert not form.is_valid()
    assert form.errors["chapter"] == ["“Beach” belongs to the series “Side stories”, not “Main story”."]


def test_bulk_upload_form_needs_a_start_when_days_are_ticked(series):
    form = bulk_form({"series": series.pk, "weekdays": ["0", "4"]}, [png()])

    assert not form.is_valid()
    assert form.errors["start"] == ["Choose the date and time to schedule from, or untick the days."]


def test_bulk_upload_form_refuses_a_start_in_the_past(series):
    form = bulk_form({"series": series.pk, "start_0": "2020-05-01", "start_1": "10:00"}, [png()])

    assert not form.is_valid()
    assert form.errors["start"] == ["Choose a time in the future."]


def test_bulk_upload_form_refuses_more_files_than_the_limit_and_names_it(series, settings):
    settings.BULK_UPLOAD_MAX_FILES = 3

    assert bulk_form({"series": series.pk}, [png(f"p{n}.png") for n in range(3)]).is_valid()
    form = bulk_form({"series": series.pk}, [png(f"p{n}.png") for n in range(4)])

    assert not form.is_valid()
    assert form.errors["files"] == [
        "You chose 4 images; one upload takes at most 3. Upload 3 now and the rest in further batches: "
        "the numbering continues after the last comic."
    ]


def test_bulk_upload_form_help_says_the_limit_and_that_more_batches_continue_the_numbering(settings):
    settings.BULK_UPLOAD_MAX_FILES = 25

    help_text = BulkUploadForm().fields["files"].help_text

    assert help_text.startswith("Select up to 25 at once.")
    assert "Upload more in further batches: the numbering continues." in help_text


def test_scheduling_a_bulk_upload_needs_the_confirmation_that_it_has_no_alt_text(series):
    """Uploaded comics have no alt text or transcript: scheduling them warns, as publishing does."""
    data = {"series": series.pk, "start_0": "2030-05-01", "start_1": "10:00"}

    form = bulk_form(data, [png()])

    assert not form.is_valid()
    assert form.errors["schedule_anyway"] == [
        "Scheduled comics appear on their own at their dates, and uploaded comics have no alt text or "
        "transcript yet. Tick “Schedule without alt text and transcript”, or leave the schedule empty "
        "to upload drafts."
    ]
    assert bulk_form({**data, "schedule_anyway": "on"}, [png()]).is_valid()
    assert bulk_form({"series": series.pk}, [png()]).is_valid()  # drafts need no confirmation
