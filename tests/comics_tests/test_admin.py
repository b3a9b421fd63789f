"""The author admin, driven through the real admin with a logged-in superuser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comics.models import Chapter, Comic, ComicImage, Series
from tests import factories

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:comics_comic_changelist"
BULK_UPLOAD = "admin:comics_comic_bulk_upload"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def changelist_url(**params) -> str:
    url = reverse(CHANGELIST)
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def run_action(client, action: str, comics, **extra):
    """Post an action from the change list, as its "Go" button does."""
    data = {"action": action, "_selected_action": [c.pk for c in comics], "index": "0", **extra}
    return client.post(reverse(CHANGELIST), data)


def confirm_action(client, action: str, comics, **extra):
    """Post an action's intermediate page back to the change list."""
    data = {"action": action, "_selected_action": [c.pk for c in comics], "confirm": "yes", **extra}
    return client.post(reverse(CHANGELIST), data, follow=True)


def comic_form_data(comic: Comic, **overrides) -> dict:
    """What the comic change form posts for `comic` unchanged (with no image rows)."""
    local = timezone.localtime(comic.publish_at)
    data = {
        "series": comic.series_id,
        "number": comic.number,
        "title": comic.title,
        "slug": comic.slug,
        "status": comic.status,
        "publish_at_0": f"{local:%Y-%m-%d}",
        "publish_at_1": f"{local:%H:%M:%S}",
        "alt_text": comic.alt_text,
        "description": comic.description,
        "transcript": comic.transcript,
        "note": comic.note,
        "link": comic.link,
        "chapter": comic.chapter_id or "",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
    }
    return {**data, **overrides}


def change_url(comic: Comic) -> str:
    return reverse("admin:comics_comic_change", args=[comic.pk])


def missing_image(comic: Comic) -> ComicImage:
    """An image an import could not fetch: no file, its source address kept."""
    return ComicImage.objects.create(comic=comic, source_url="https://example.com/lost.png")


# --- The comic list ---------------------------------------------------------------------------------


def test_comic_list_shows_state_labels(staff_client, settings):
    settings.TIME_ZONE = "UTC"
    factories.draft_comic(number=1, title="A draft")
    factories.comic(number=2, title="Out already")
    factories.comic(number=3, title="Coming soon", publish_at=datetime(2030, 7, 1, 12, 0, tzinfo=UTC))

    html = staff_client.get(reverse(CHANGELIST)).content.decode()

    assert "A draft" in html and ">Draft<" in html
    assert ">Published<" in html
    assert "Scheduled for 2030-07-01 12:00 UTC" in html


def test_comic_list_shows_a_thumbnail_or_an_image_missing_badge(staff_client):
    with_image = factories.comic_with_image(number=1)
    missing_image(factories.comic(number=2, title="Imported"))
    factories.draft_comic(number=3, title="Bare")
    thumb_url = with_image.images.get().url("thumb.webp")

    html = staff_client.get(reverse(CHANGELIST)).content.decode()

    assert f'<img class="taleas-thumb" src="{thumb_url}"' in html
    assert "image missing</span>" in html
    assert "no image</span>" in html


def test_comic_list_runs_the_same_number_of_queries_for_5_and_50_comics(staff_client, django_assert_max_num_queries):
    chapter, tag = factories.chapter(), factories.tag()

    def add_comics(numbers):
        for number in numbers:
            comic = factories.comic(number=number, chapter=chapter)
            comic.tags.add(tag)
            factories.image(comic=comic, width=32, height=24)

    add_comics(range(1, 6))
    with CaptureQueriesContext(connection) as five:
        assert staff_client.get(reverse(CHANGELIST)).status_code == 200
    add_comics(range(6, 51))

    with django_assert_max_num_queries(len(five)):
        html = staff_client.get(reverse(CHANGELIST)).content.decode()
    assert html.count('class="taleas-thumb"') == 50


def test_comic_list_is_ordered_by_number_descending(staff_client):
    for number in (3, 10, 7):
        factories.comic(number=number, title=f"Strip {number}")

    html = staff_client.get(reverse(CHANGELIST)).content.decode()

    assert html.index("Strip 10") < html.index("Strip 7") < html.index("Strip 3")


def test_image_missing_filter_lists_imported_comics_whose_image_is_missing(staff_client):
    missing_image(factories.comic(number=1, title="Lost in import"))
    factories.comic_with_image(number=2, title="Fine and well")

    html = staff_client.get(changelist_url(image="missing")).content.decode()

    assert "Lost in import" in html
    assert "Fine and well" not in html


def test_state_filter_separates_drafts_scheduled_and_published(staff_client):
    factories.draft_comic(number=1, title="Draft one")
    factories.scheduled_comic(number=2, title="Later one")
    factories.comic(number=3, title="Live one")

    scheduled = staff_client.get(changelist_url(state="scheduled")).content.decode()
    published = staff_client.get(changelist_url(state="published")).content.decode()

    assert "Later one" in scheduled and "Draft one" not in scheduled and "Live one" not in scheduled
    assert "Live one" in published and "Later one" not in published


def test_search_finds_comics_by_number_and_by_transcript(staff_client):
    factories.comic(number=42, title="The answer")
    factories.comic(number=7, title="Other", transcript="MIMI: a lighthouse")

    by_number = staff_client.get(changelist_url(q="42")).content.decode()
    by_text = staff_client.get(changelist_url(q="lighthouse")).content.decode()

    assert "The answer" in by_number and "Other" not in by_number
    assert "Other" in by_text and "The answer" not in by_text


def test_comic_list_offers_bulk_upload(staff_client):
    html = staff_client.get(reverse(CHANGELIST)).content.decode()

    assert f'href="{reverse(BULK_UPLOAD)}"' in html
    assert "Bulk upload" in html


def test_admin_header_is_the_site_title(staff_client, settings):
    html = staff_client.get(reverse("admin:index")).content.decode()

    assert f">{settings.SITE_TITLE}</a>" in html


# --- Actions ------------------------------------------------------------------------------------------


def test_publish_now_publishes_complete_drafts_at_once(staff_client):
    comics = [factories.draft_comic(alt_text="hover", transcript="words") for _ in range(2)]

    response = run_action(staff_client, "publish_now", comics)

    assert response.status_code == 302
    for comic in comics:
        comic.refresh_from_db()
        assert comic.status == Comic.Status.PUBLISHED
        assert timezone.now() - comic.publish_at < timedelta(minutes=1)
    assert Comic.objects.published().count() == 2


def test_publish_now_leaves_already_published_comics_at_their_date(staff_client):
    live = factories.comic(alt_text="a", transcript="t", publish_at=datetime(2020, 5, 1, 12, 0, tzinfo=UTC))
    draft = factories.draft_comic(alt_text="a", transcript="t")

    response = run_action(staff_client, "publish_now", [live, draft])

    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Published 1 comic(s)."]
    live.refresh_from_db()
    assert live.publish_at == datetime(2020, 5, 1, 12, 0, tzinfo=UTC)
    assert set(Comic.objects.published()) == {live, draft}


def test_publish_now_warns_about_comics_without_alt_text_or_transcript(staff_client):
    complete = factories.draft_comic(title="Complete", alt_text="hover", transcript="words")
    bare = factories.draft_comic(title="Bare strip", alt_text="hover")

    response = run_action(staff_client, "publish_now", [complete, bare])

    html = response.content.decode()
    assert response.status_code == 200
    assert "no alt text or no transcript" in html
    assert f"{bare}</a>: no transcript" in html
    assert "Publish anyway" in html
    assert Comic.objects.published().count() == 0


def test_confirming_the_publish_warning_publishes(staff_client):
    bare = factories.draft_comic(title="Bare strip")

    response = confirm_action(staff_client, "publish_now", [bare])

    assert "Published 1 comic(s)." in response.content.decode()
    assert list(Comic.objects.published()) == [bare]


def test_schedule_asks_for_a_time_then_schedules_in_the_site_time_zone(staff_client, settings):
    settings.TIME_ZONE = "Europe/Paris"
    comics = [factories.draft_comic(alt_text="a", transcript="t") for _ in range(2)]
    selected = {"action": "schedule", "_selected_action": [c.pk for c in comics]}

    form_page = staff_client.post(reverse(CHANGELIST), {**selected, "index": "0"}).content.decode()
    response = staff_client.post(
        reverse(CHANGELIST), {**selected, "confirm": "yes", "publish_at_0": "2030-01-15", "publish_at_1": "09:30"}
    )

    assert 'name="publish_at_0"' in form_page and "Europe/Paris" in form_page
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["2 comic(s): Scheduled for 2030-01-15 09:30 CET."]
    for comic in comics:
        comic.refresh_from_db()
        assert comic.status == Comic.Status.PUBLISHED
        assert comic.publish_at == datetime(2030, 1, 15, 8, 30, tzinfo=UTC)
    assert Comic.objects.published().count() == 0


def test_schedule_refuses_a_local_time_in_the_daylight_saving_gap(staff_client, settings):
    settings.TIME_ZONE = "Europe/Paris"
    comic = factories.draft_comic()

    response = confirm_action(staff_client, "schedule", [comic], publish_at_0="2026-03-29", publish_at_1="02:30")

    assert "couldn’t be interpreted in time zone Europe/Paris" in response.content.decode()
    comic.refresh_from_db()
    assert comic.status == Comic.Status.DRAFT


def test_schedule_refuses_a_time_in_the_past(staff_client):
    comic = factories.draft_comic()

    response = confirm_action(staff_client, "schedule", [comic], publish_at_0="2020-01-01", publish_at_1="10:00")

    assert "Choose a time in the future." in response.content.decode()
    comic.refresh_from_db()
    assert comic.status == Comic.Status.DRAFT


def test_schedule_page_lists_comics_without_alt_text(staff_client):
    bare = factories.draft_comic(title="Bare strip")

    html = run_action(staff_client, "schedule", [bare]).content.decode()

    assert f"{bare}</a>: no alt text and no transcript" in html


def test_move_to_chapter_asks_for_the_chapter_then_moves(staff_client):
    old, new = factories.chapter(title="Old days"), factories.chapter(title="New days")
    comics = [factories.comic(chapter=old) for _ in range(3)]

    form_page = run_action(staff_client, "move_to_chapter", comics[:2]).content.decode()
    response = confirm_action(staff_client, "move_to_chapter", comics[:2], chapter=new.pk)

    assert "New days</option>" in form_page
    assert "Moved 2 comic(s) to “New days”." in response.content.decode()
    assert set(new.comics.all()) == set(comics[:2])
    assert list(old.comics.all()) == [comics[2]]


def test_move_to_chapter_refuses_a_chapter_of_another_series(staff_client):
    side = Series.objects.create(title="Side stories", slug="side")
    side_chapter = factories.chapter(series=side, title="Side one")
    comic = factories.comic()

    response = confirm_action(staff_client, "move_to_chapter", [comic], chapter=side_chapter.pk)

    assert "in another series" in response.content.decode()
    comic.refresh_from_db()
    assert comic.chapter is None


def test_unpublish_turns_comics_back_into_drafts(staff_client):
    live, later = factories.comic(), factories.scheduled_comic()

    response = run_action(staff_client, "unpublish", [live, later])

    assert response.status_code == 302
    assert set(Comic.objects.filter(status=Comic.Status.DRAFT)) == {live, later}
    assert not Comic.objects.published().exists()


# --- The comic change form ---------------------------------------------------------------------------


def test_publishing_in_the_change_form_without_alt_text_asks_to_publish_anyway(staff_client):
    comic = factories.draft_comic(title="Quiet strip", transcript="words")

    response = staff_client.post(change_url(comic), comic_form_data(comic, status="published"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "This comic has no alt text." in html
    assert 'type="checkbox" name="publish_anyway"' in html
    comic.refresh_from_db()
    assert comic.status == Comic.Status.DRAFT


def test_publish_anyway_publishes_without_alt_text(staff_client):
    comic = factories.draft_comic(title="Quiet strip")

    response = staff_client.post(change_url(comic), comic_form_data(comic, status="published", publish_anyway="on"))

    assert response.status_code == 302
    comic.refresh_from_db()
    assert comic.status == Comic.Status.PUBLISHED


def test_editing_an_already_published_comic_without_transcript_needs_no_confirmation(staff_client):
    comic = factories.comic(title="Imported long ago")

    response = staff_client.post(change_url(comic), comic_form_data(comic, title="Imported, retitled"))

    assert response.status_code == 302
    comic.refresh_from_db()
    assert comic.title == "Imported, retitled"


def test_add_form_preselects_the_default_series_and_proposes_its_next_free_number(staff_client, series):
    Series.objects.create(title="Side stories", slug="side")
    factories.comic(number=30)

    html = staff_client.get(reverse("admin:comics_comic_add")).content.decode()

    assert f'<option value="{series.pk}" selected>Main story</option>' in html
    assert '<input type="number" name="number" value="31"' in html
    assert "js/admin_comic_number.js" in html
    assert '"id": "#id_slug", "name": "slug", "dependency_ids": ["#id_title"]' in html.replace("&quot;", '"')


def test_add_form_saves_a_new_comic_on_the_first_try_with_what_it_proposes(staff_client, series):
    factories.comic(number=30)
    data = comic_form_data(factories.comic(number=1), title="Rain", slug="rain", status="draft")

    response = staff_client.post(reverse("admin:comics_comic_add"), {**data, "number": "31"})

    assert response.status_code == 302
    assert Comic.objects.get(title="Rain").number == 31


def test_add_form_names_the_next_free_number_when_the_number_is_taken_in_the_chosen_series(staff_client, series):
    side = Series.objects.create(title="Side stories", slug="side")
    for number in (1, 2, 3):
        factories.comic(number=number, series=side)
    data = comic_form_data(factories.comic(number=1), series=side.pk, number="3", title="Guest", slug="guest")

    response = staff_client.post(reverse("admin:comics_comic_add"), data)

    assert response.status_code == 200
    assert "Number 3 is taken in “Side stories”; the next free is 4." in response.content.decode()
    assert not Comic.objects.filter(title="Guest").exists()


def test_change_form_refuses_a_javascript_link(staff_client):
    comic = factories.comic(alt_text="hover", transcript="words", link="https://example.com/shop")

    response = staff_client.post(change_url(comic), comic_form_data(comic, link="javascript:alert(1)"))

    assert response.status_code == 200
    assert "Enter a web address starting with https:// or http://, or a path on this site starting with /." in (
        response.content.decode()
    )
    comic.refresh_from_db()
    assert comic.link == "https://example.com/shop"


def test_change_form_refuses_a_local_time_in_the_daylight_saving_gap(staff_client, settings):
    settings.TIME_ZONE = "Europe/Paris"
    comic = factories.draft_comic(alt_text="a", transcript="t")
    before = comic.publish_at

    response = staff_client.post(
        change_url(comic), comic_form_data(comic, publish_at_0="2026-03-29", publish_at_1="02:30:00")
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "2026-03-29 02:30:00 couldn’t be interpreted in time zone Europe/Paris" in html
    comic.refresh_from_db()
    assert comic.publish_at == before


def test_change_form_stores_a_local_time_in_utc(staff_client, settings):
    settings.TIME_ZONE = "Europe/Paris"
    comic = factories.draft_comic(alt_text="a", transcript="t")

    response = staff_client.post(
        change_url(comic), comic_form_data(comic, publish_at_0="2026-07-01", publish_at_1="14:00:00")
    )

    assert response.status_code == 302
    comic.refresh_from_db()
    assert comic.publish_at == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def test_published_comic_has_view_on_site_and_draft_has_preview(staff_client):
    live, draft = factories.comic(number=1), factories.draft_comic(number=2)

    live_html = staff_client.get(change_url(live)).content.decode()
    draft_html = staff_client.get(change_url(draft)).content.decode()

    assert f'href="{live.get_absolute_url()}" class="viewsitelink">View on site' in live_html
    assert ">Preview</a>" not in live_html
    assert f'href="{reverse("comics:preview", kwargs={"pk": draft.pk})}"' in draft_html
    assert "View on site" not in draft_html


def image_row(upload, position: int = 0) -> dict:
    return {
        "images-TOTAL_FORMS": "1",
        "images-0-file": upload,
        "images-0-position": str(position),
        "images-0-id": "",
        "images-0-comic": "",
    }


def test_image_uploaded_in_the_change_form_gets_its_variants(staff_client):
    comic = factories.draft_comic()
    upload = SimpleUploadedFile("page.png", factories.png_bytes(800, 600), content_type="image/png")

    response = staff_client.post(change_url(comic), comic_form_data(comic, **image_row(upload)))

    assert response.status_code == 302
    image = comic.images.get()
    assert (image.format, image.width, image.height) == ("PNG", 800, 600)
    assert image.variant_path("thumb.webp")
    html = staff_client.get(change_url(comic)).content.decode()
    assert f'src="{image.url("thumb.webp")}"' in html


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("drawing.svg", SVG, "“drawing.svg” is not a PNG, JPEG, GIF or WebP image."),
        ("page.png", b"Just some text, renamed.\n" * 20, "“page.png” is not a PNG, JPEG, GIF or WebP image."),
    ],
)
def test_image_upload_that_is_not_a_raster_image_is_a_form_error(staff_client, name, content, message):
    comic = factories.draft_comic()
    upload = SimpleUploadedFile(name, content)

    response = staff_client.post(change_url(comic), comic_form_data(comic, **image_row(upload)))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ComicImage.objects.exists()


def test_image_upload_over_the_megapixel_limit_is_a_form_error(staff_client, settings):
    settings.IMAGE_MAX_MEGAPIXELS = 0.5
    comic = factories.draft_comic()
    upload = SimpleUploadedFile("huge.png", factories.png_bytes(1000, 1000))

    response = staff_client.post(change_url(comic), comic_form_data(comic, **image_row(upload)))

    assert response.status_code == 200
    assert "This image is 1000×1000 (1.0 megapixels); the limit is 0.5 megapixels." in response.content.decode()
    assert not ComicImage.objects.exists()


def test_new_image_row_without_a_file_is_a_form_error(staff_client):
    comic = factories.draft_comic()

    response = staff_client.post(change_url(comic), comic_form_data(comic, **image_row("", position=2)))

    assert response.status_code == 200
    assert "Choose an image file." in response.content.decode()


def test_new_file_for_a_missing_image_replaces_it(staff_client):
    comic = factories.comic(alt_text="a", transcript="t")
    lost = missing_image(comic)
    upload = SimpleUploadedFile("found.png", factories.png_bytes(), content_type="image/png")
    data = comic_form_data(
        comic,
        **{
            "images-TOTAL_FORMS": "1",
            "images-INITIAL_FORMS": "1",
            "images-0-id": lost.pk,
            "images-0-comic": comic.pk,
            "images-0-file": upload,
            "images-0-position": "0",
        },
    )

    response = staff_client.post(change_url(comic), data)

    assert response.status_code == 302
    image = comic.images.get()
    assert image.pk != lost.pk and not image.is_missing


# --- Bulk upload -------------------------------------------------------------------------------------


def png_upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, factories.png_bytes(40, 30), content_type="image/png")


def test_bulk_upload_makes_drafts_numbered_in_natural_file_name_order(staff_client, series):
    factories.comic(number=7)
    chapter = factories.chapter(title="Act two")
    files = [png_upload(name) for name in ("page10.png", "page2.png", "page1.png")]

    response = staff_client.post(
        reverse(BULK_UPLOAD), {"files": files, "series": series.pk, "chapter": chapter.pk}, follow=True
    )

    assert "Created 3 comic(s), #8–#10 (drafts)." in response.content.decode()
    created = Comic.objects.filter(number__gt=7).order_by("number")
    assert [c.title for c in created] == ["page1", "page2", "page10"]
    assert [c.number for c in created] == [8, 9, 10]
    assert all(c.status == Comic.Status.DRAFT and c.chapter == chapter for c in created)
    assert all(c.images.get().width == 40 for c in created)


def test_bulk_upload_schedules_one_comic_on_each_chosen_weekday(staff_client, series, settings):
    settings.TIME_ZONE = "Europe/Paris"
    files = [png_upload(f"strip-{n}.png") for n in (1, 2, 3, 4)]

    # Friday 29 March 2030, 09:00 in Paris; the clocks go forward on Sunday the 31st.
    response = staff_client.post(
        reverse(BULK_UPLOAD),
        {
            "files": files,
            "series": series.pk,
            "start_0": "2030-03-29",
            "start_1": "09:00",
            "weekdays": ["0", "2", "4"],
            "schedule_anyway": "on",
        },
        follow=True,
    )

    assert (
        "Created 4 comic(s), #1–#4 (scheduled from 2030-03-29 09:00 CET to 2030-04-05 09:00 CEST)."
        in response.content.decode()
    )
    created = Comic.objects.order_by("number")
    assert [c.title for c in created] == ["strip 1", "strip 2", "strip 3", "strip 4"]
    assert [timezone.localtime(c.publish_at).strftime("%a %Y-%m-%d %H:%M") for c in created] == [
        "Fri 2030-03-29 09:00",
        "Mon 2030-04-01 09:00",
        "Wed 2030-04-03 09:00",
        "Fri 2030-04-05 09:00",
    ]
    assert [c.publish_at.astimezone(UTC).hour for c in created] == [8, 7, 7, 7]
    assert all(c.status == Comic.Status.PUBLISHED for c in created)
    assert Comic.objects.scheduled().count() == 4


def test_scheduling_a_bulk_upload_asks_to_confirm_that_the_comics_have_no_alt_text(staff_client, series):
    data = {"files": [png_upload("p1.png")], "series": series.pk, "start_0": "2030-05-01", "start_1": "10:00"}

    response = staff_client.post(reverse(BULK_UPLOAD), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<input type="checkbox" name="schedule_anyway"' in html
    assert "uploaded comics have no alt text or transcript yet. Tick “Schedule without alt text and" in html
    assert "You can add them to each comic before its date." in html
    assert not Comic.objects.exists()


def test_bulk_upload_of_more_files_than_the_limit_is_a_form_error_naming_it(staff_client, series, settings):
    settings.BULK_UPLOAD_MAX_FILES = 2
    files = [png_upload(f"p{n}.png") for n in range(1, 4)]

    response = staff_client.post(reverse(BULK_UPLOAD), {"files": files, "series": series.pk})

    html = response.content.decode()
    assert "You chose 3 images; one upload takes at most 2. Upload 2 now and the rest in further batches" in html
    assert "Select up to 2 at once." in html
    assert not Comic.objects.exists()


def test_bulk_upload_keeps_the_good_files_and_names_the_bad_ones(staff_client, series):
    files = [
        png_upload("a1.png"),
        SimpleUploadedFile("a2.svg", SVG, content_type="image/svg+xml"),
        SimpleUploadedFile("a3.png", b"not an image at all"),
        png_upload("a4.png"),
    ]

    response = staff_client.post(reverse(BULK_UPLOAD), {"files": files, "series": series.pk}, follow=True)

    html = response.content.decode()
    assert "Created 2 comic(s), #1–#2 (drafts)." in html
    assert '2 file(s) not uploaded:<ul class="taleas-refused">' in html
    assert "<li>a2.svg — “a2.svg” is not a PNG, JPEG, GIF or WebP image." in html
    assert "<li>a3.png — “a3.png” is not a PNG" in html
    assert [c.title for c in Comic.objects.order_by("number")] == ["a1", "a4"]


def test_bulk_upload_of_only_bad_files_is_a_form_error(staff_client, series):
    files = [
        SimpleUploadedFile("evil.svg", SVG, content_type="image/svg+xml"),
        SimpleUploadedFile("fake.png", b"plain text"),
    ]

    response = staff_client.post(reverse(BULK_UPLOAD), {"files": files, "series": series.pk})

    html = response.content.decode()
    assert response.status_code == 200
    assert '<ul class="errorlist" id="id_files_error"><li>No comic was created.</li>' in html
    assert "<li>evil.svg — “evil.svg” is not a PNG, JPEG, GIF or WebP image." in html
    assert "<li>fake.png — “fake.png” is not a PNG, JPEG, GIF or WebP image." in html
    assert not Comic.objects.exists()


def test_bulk_upload_lists_a_refused_file_name_as_text(staff_client, series):
    files = [png_upload("ok.png"), SimpleUploadedFile("<i>x<i>.svg", SVG, content_type="image/svg+xml")]

    html = staff_client.post(reverse(BULK_UPLOAD), {"files": files, "series": series.pk}, follow=True).content.decode()

    assert "<li>&lt;i&gt;x&lt;i&gt;.svg — " in html
    assert "<i>x<i>" not in html


def test_bulk_upload_page_takes_many_files(staff_client):
    html = staff_client.get(reverse(BULK_UPLOAD)).content.decode()

    assert '<input type="file" name="files" accept="image/png,image/jpeg,image/gif,image/webp" multiple' in html
    assert 'enctype="multipart/form-data"' in html


# --- Chapters, tags, characters, series ---------------------------------------------------------------


def chapter_titles() -> list[str]:
    return list(Chapter.objects.order_by("position", "id").values_list("title", flat=True))


def test_chapter_moves_up_and_down(staff_client):
    one, two, three = (factories.chapter(title=t) for t in ("One", "Two", "Three"))

    staff_client.post(reverse("admin:comics_chapter_move", args=[three.pk, "up"]))
    assert chapter_titles() == ["One", "Three", "Two"]
    staff_client.post(reverse("admin:comics_chapter_move", args=[one.pk, "down"]))
    assert chapter_titles() == ["Three", "One", "Two"]
    response = staff_client.post(
        reverse("admin:comics_chapter_move", args=[three.pk, "up"]),
        headers={"referer": "http://testserver/admin/comics/chapter/?q=e"},
    )
    assert chapter_titles() == ["Three", "One", "Two"]
    assert response.url == "http://testserver/admin/comics/chapter/?q=e"


def messages_after(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_moving_a_chapter_says_where_it_now_stands(staff_client):
    factories.chapter(title="Dawn"), factories.chapter(title="Noon")
    rain = factories.chapter(title="Rain")

    response = staff_client.post(reverse("admin:comics_chapter_move", args=[rain.pk, "up"]), follow=True)

    assert '<li class="success">Moved “Rain” up: now 2nd of 3.</li>' in response.content.decode()
    down = staff_client.post(reverse("admin:comics_chapter_move", args=[rain.pk, "down"]))
    assert messages_after(down) == ["Moved “Rain” down: now 3rd of 3."]


def test_moving_the_first_chapter_up_says_it_is_already_first(staff_client):
    dawn = factories.chapter(title="Dawn")
    factories.chapter(title="Noon")

    response = staff_client.post(reverse("admin:comics_chapter_move", args=[dawn.pk, "up"]))

    assert messages_after(response) == ["“Dawn” is already first of 2."]
    assert chapter_titles() == ["Dawn", "Noon"]


def test_chapter_list_shows_move_buttons_and_comic_counts(staff_client):
    chapter = factories.chapter(title="Busy")
    for _ in range(3):
        factories.comic(chapter=chapter)

    html = staff_client.get(reverse("admin:comics_chapter_changelist")).content.decode()

    assert f'formaction="{reverse("admin:comics_chapter_move", args=[chapter.pk, "up"])}"' in html
    assert '<td class="field-comic_count">3</td>' in html


def test_chapter_positions_are_editable_in_the_list(staff_client):
    first, second = factories.chapter(title="First", position=1), factories.chapter(title="Second", position=2)
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": "2",
        "form-0-id": first.pk,
        "form-0-position": "5",
        "form-1-id": second.pk,
        "form-1-position": "1",
        "_save": "Save",
    }

    response = staff_client.post(reverse("admin:comics_chapter_changelist"), data)

    assert response.status_code == 302
    assert chapter_titles() == ["Second", "First"]


def test_chapter_cover_that_is_svg_is_a_form_error(staff_client, series):
    data = {"series": series.pk, "title": "Covered", "slug": "covered", "position": "1", "description": ""}
    svg = SimpleUploadedFile("cover.svg", SVG, content_type="image/svg+xml")

    response = staff_client.post(reverse("admin:comics_chapter_add"), {**data, "cover": svg})
    good = staff_client.post(reverse("admin:comics_chapter_add"), {**data, "cover": png_upload("cover.png")})

    assert "“cover.svg” is not a PNG, JPEG, GIF or WebP image." in response.content.decode()
    assert good.status_code == 302
    assert Chapter.objects.get().cover


def test_character_portrait_that_is_a_renamed_text_file_is_a_form_error(staff_client):
    fake = SimpleUploadedFile("mimi.jpg", b"hello, I am text")
    data = {"name": "Mimi", "slug": "mimi", "code": "M", "bio": "", "portrait": fake}

    response = staff_client.post(reverse("admin:comics_character_add"), data)

    assert "“mimi.jpg” is not a PNG, JPEG, GIF or WebP image." in response.content.decode()


def test_character_list_counts_appearances(staff_client):
    mimi = factories.character("Mimi")
    for _ in range(2):
        factories.comic().characters.add(mimi)

    html = staff_client.get(reverse("admin:comics_character_changelist")).content.decode()

    assert '<td class="field-appearances">2</td>' in html


def test_making_a_series_default_takes_the_flag_from_the_old_one(staff_client, series):
    data = {"title": "Side", "slug": "side", "description": "", "make_default": "on", "position": "1"}

    response = staff_client.post(reverse("admin:comics_series_add"), data)

    assert response.status_code == 302
    assert Series.objects.get(is_default=True).slug == "side"


def test_the_default_series_cannot_be_unticked_or_deleted(staff_client, series):
    data = {"title": series.title, "slug": series.slug, "description": "", "position": "0"}

    response = staff_client.post(reverse("admin:comics_series_change", args=[series.pk]), data)
    delete = staff_client.get(reverse("admin:comics_series_delete", args=[series.pk]))

    assert "A site always has one default series." in response.content.decode()
    assert Series.objects.get(is_default=True) == series
    assert delete.status_code == 403
