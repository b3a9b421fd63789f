"""`manage.py import_archive` on the real archives in shared/data, and on small files made here."""

import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.test import override_settings

from comics import importers
from comics.importers import ArchiveImport, natural_key, parse_xkcd, xkcd_title
from comics.models import Character, Comic, ComicImage, Series
from tests import factories

DATA = Path(settings.BASE_DIR).parent / "shared" / "data"
XKCD = DATA / "xkcd" / "comics.jsonl"
XKCD_IMAGES = DATA / "xkcd" / "images"
MIMI = DATA / "mimi_and_eunice"


def run_import(*args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_archive", *[str(a) for a in args], stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def run_failing_import(*args, **options) -> tuple[str, str, str]:
    """An import with failed records: the rest is imported and counted, then the command fails."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_archive", *[str(a) for a in args], stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue(), str(failure.value)


def xkcd_lines(count: int) -> list[str]:
    with open(XKCD, encoding="utf-8") as lines:
        return [next(lines) for _ in range(count)]


def records(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line if line.endswith("\n") else line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def xkcd_archive(django_db_setup, django_db_blocker, tmp_path_factory):
    """The whole xkcd archive imported once for this module, into its own series; removed afterwards."""
    with django_db_blocker.unblock():
        series = Series.objects.create(title="xkcd", slug="xkcd")
        with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
            out, err = run_import(XKCD, format="xkcd", images=XKCD_IMAGES, series="xkcd")
    yield {"series": series, "out": out, "err": err}
    with django_db_blocker.unblock():
        Comic.objects.filter(series=series).delete()
        series.delete()


@pytest.fixture(scope="module")
def mimi_archive(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        series = Series.objects.create(title="Mimi and Eunice", slug="mimi-and-eunice")
        with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
            out, err = run_import(MIMI, format="mimi", series="mimi-and-eunice")
    yield {"series": series, "out": out, "err": err}
    with django_db_blocker.unblock():
        Comic.objects.filter(series=series).delete()
        series.delete()
        Character.objects.exclude(code="").delete()


def xkcd(number: int) -> Comic:
    return Comic.objects.get(series__slug="xkcd", number=number)


# --- The full xkcd archive ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_full_xkcd_import_creates_every_comic_and_leaves_the_gaps(xkcd_archive):
    assert xkcd_archive["out"].strip() == (
        "created 3279, updated 0, unchanged 0, failed 0 (images stored 167, missing 3112)"
    )
    assert xkcd_archive["err"] == ""
    numbers = set(Comic.objects.filter(series=xkcd_archive["series"]).values_list("number", flat=True))
    assert len(numbers) == 3279
    assert min(numbers) == 1 and max(numbers) == 3282
    assert {404, 1608, 1663}.isdisjoint(numbers)


@pytest.mark.django_db
def test_comics_without_an_image_at_hand_keep_its_source_url_and_are_flagged_missing(xkcd_archive):
    images = ComicImage.objects.filter(comic__series=xkcd_archive["series"])
    assert images.count() == 3279
    assert images.exclude(file="").count() == 167
    missing = images.filter(file="")
    assert missing.count() == 3112
    assert not missing.filter(source_url="").exists()
    barrel, thousand = xkcd(1).images.get(), xkcd(1000).images.get()
    assert not barrel.is_missing and barrel.width and barrel.sha256
    assert thousand.is_missing and thousand.source_url == "https://imgs.xkcd.com/comics/1000_comics.png"


@pytest.mark.django_db
def test_titles_and_alt_text_have_their_entities_decoded_once(xkcd_archive):
    assert xkcd(259).title == "Clichéd Exchanges"
    assert xkcd(259).alt_text == "It's like they say, you gotta fight fire with clichés."
    assert xkcd(3015).title == "D&D Combinatorics"  # safe_title says "D Combinatorics"
    assert xkcd(3142).title == "<City>-Style Pizza"  # not a tag; safe_title says "-Style Pizza"
    assert xkcd(472).title == "House of Pancakes"  # the <span style=...> around "House" is stripped
    assert xkcd(1144).alt_text == "<A>: Like </a>this.\xa0"


@pytest.mark.django_db
def test_the_title_as_the_source_gave_it_is_kept_in_extra(xkcd_archive):
    source = {r["num"]: r for r in records(XKCD)}
    assert source[472]["title"] == '<span style="color: #0000ED">House</span> of Pancakes'
    assert xkcd(472).extra["source_title"] == source[472]["title"]
    assert xkcd(259).extra["source_title"] == "Clich&eacute;d Exchanges"


def test_an_already_decoded_entity_is_not_decoded_twice():
    assert xkcd_title("Tom &amp;amp; Jerry") == "Tom &amp; Jerry"


@pytest.mark.django_db
def test_text_is_kept_as_given_including_next_line_characters(xkcd_archive):
    source = {r["num"]: r for r in records(XKCD)}
    assert xkcd(792).transcript == source[792]["transcript"]
    assert "\x85" in xkcd(1126).transcript
    assert xkcd(472).note == source[472]["news"]  # HTML, rendered through the note's sanitiser
    assert xkcd(472).link == "https://www.amazon.com/House-Leaves-Mark-Z-Danielewski/dp/0375703764"


@pytest.mark.django_db
def test_imported_comics_are_published_at_midnight_on_their_date_with_their_source(xkcd_archive):
    first = xkcd(1)
    assert first.publish_at == datetime(2006, 1, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))
    assert Comic.objects.published().filter(series=xkcd_archive["series"]).count() == 3279
    assert (first.source_id, first.source_url, first.slug) == ("xkcd:1", "https://xkcd.com/1/", "barrel-part-1")
    assert sorted(xkcd(826).extra["extra_parts"]) == ["headerextra", "imgAttr", "post", "pre"]
    assert xkcd(1).extra.keys() == {"source_title", "source_digests"}
    assert xkcd(1).extra["source_title"] == "Barrel - Part 1"


@pytest.mark.django_db
def test_a_rerun_creates_nothing_and_reports_everything_unchanged(xkcd_archive, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        out, err = run_import(XKCD, format="xkcd", images=XKCD_IMAGES, series="xkcd")
    assert out.strip() == "created 0, updated 0, unchanged 3279, failed 0 (images stored 0, missing 0)"
    assert Comic.objects.filter(series=xkcd_archive["series"]).count() == 3279
    assert ComicImage.objects.filter(comic__series=xkcd_archive["series"]).count() == 3279


# --- Changes, bad lines and --strict, on small files -----------------------------------------------------


@pytest.mark.django_db
def test_a_changed_record_is_updated_and_its_unchanged_image_is_kept(series, tmp_path):
    lines = xkcd_lines(5)
    source = write_lines(tmp_path / "comics.jsonl", lines)
    run_import(source, format="xkcd", images=XKCD_IMAGES)
    image = Comic.objects.filter(series=series).get(number=3).images.get()

    record = json.loads(lines[2])
    record["title"] = "Island (finished)"
    lines[2] = json.dumps(record)
    write_lines(source, lines)
    out, _ = run_import(source, format="xkcd", images=XKCD_IMAGES)

    assert out.startswith("created 0, updated 1, unchanged 4, failed 0")
    comic = Comic.objects.filter(series=series).get(number=3)
    assert (comic.title, comic.slug) == ("Island (finished)", "island-finished")
    assert list(comic.images.all()) == [image]


def change_record(source: Path, line: int, **changes) -> None:
    lines = source.read_text(encoding="utf-8").splitlines()
    lines[line - 1] = json.dumps({**json.loads(lines[line - 1]), **changes})
    write_lines(source, lines)


@pytest.mark.django_db
def test_a_reimport_writes_only_the_fields_whose_source_changed_and_keeps_the_authors_edits(client, series, tmp_path):
    source = write_lines(tmp_path / "comics.jsonl", xkcd_lines(5))
    run_import(source, format="xkcd")
    Comic.objects.filter(series=series, number=4).update(alt_text="My own hover text", transcript="My transcript")

    change_record(source, 4, title="Landscape (finished)")
    out, _ = run_import(source, format="xkcd")

    assert out.startswith("created 0, updated 1, unchanged 4, failed 0")
    comic = Comic.objects.get(series=series, number=4)
    assert (comic.title, comic.slug) == ("Landscape (finished)", "landscape-finished")
    assert (comic.alt_text, comic.transcript) == ("My own hover text", "My transcript")
    assert client.get("/comic/4/landscape-sketch/")["Location"] == "/comic/4/landscape-finished/"

    Comic.objects.filter(series=series, number=4).update(title="My own title")
    change_record(source, 4, alt="Hover text from the source")
    out, _ = run_import(source, format="xkcd")

    assert out.startswith("created 0, updated 1, unchanged 4, failed 0")
    comic.refresh_from_db()
    assert (comic.title, comic.slug) == ("My own title", "landscape-finished")
    assert comic.alt_text == "Hover text from the source"
    assert comic.transcript == "My transcript"


@pytest.mark.django_db
def test_a_field_the_author_and_the_source_both_changed_takes_the_sources_new_value(series, tmp_path):
    """The reported case: the author edited #5's title and alt text, then the source changed its title."""
    source = write_lines(tmp_path / "comics.jsonl", xkcd_lines(5))
    run_import(source, format="xkcd")
    Comic.objects.filter(series=series, number=5).update(title="Blown up", alt_text="Prime time")

    change_record(source, 5, title="Blown apart (again)")
    run_import(source, format="xkcd")

    comic = Comic.objects.get(series=series, number=5)
    assert (comic.title, comic.alt_text) == ("Blown apart (again)", "Prime time")


@pytest.mark.django_db
def test_a_reimport_keeps_the_image_the_author_uploaded_while_the_sources_image_is_unchanged(series, tmp_path):
    source = write_lines(tmp_path / "comics.jsonl", xkcd_lines(2))
    run_import(source, format="xkcd", images=XKCD_IMAGES)
    comic = Comic.objects.get(series=series, number=2)
    comic.images.all().delete()
    mine = factories.image(comic=comic, width=123, height=45)

    change_record(source, 2, alt="Changed upstream")
    out, _ = run_import(source, format="xkcd", images=XKCD_IMAGES)

    assert out.strip() == "created 0, updated 1, unchanged 1, failed 0 (images stored 0, missing 0)"
    assert list(comic.images.all()) == [mine]


@pytest.mark.django_db
def test_a_reimport_keeps_the_number_the_author_gave_while_the_sources_number_is_unchanged(series, tmp_path):
    folder = mimi_folder(tmp_path / "mimi", ["001", "002"])
    run_import(folder, format="mimi")
    Comic.objects.filter(series=series, source_id="mimi:002").update(number=20, alt_text="Mine")
    change_record(folder / "comics.jsonl", 2, transcript="NEW TRANSCRIPT")

    out, _ = run_import(folder, format="mimi")

    assert out.startswith("created 0, updated 1, unchanged 1, failed 0")
    boundaries = Comic.objects.get(series=series, source_id="mimi:002")
    assert (boundaries.number, boundaries.alt_text, boundaries.transcript) == (20, "Mine", "NEW TRANSCRIPT")


@pytest.mark.django_db
def test_a_changed_image_replaces_the_old_one(series, tmp_path, django_capture_on_commit_callbacks):
    source = write_lines(tmp_path / "comics.jsonl", xkcd_lines(3))
    images = tmp_path / "images"
    images.mkdir()
    shutil.copy(XKCD_IMAGES / "2.jpg", images / "2.jpg")
    run_import(source, format="xkcd", images=images)
    old = Comic.objects.filter(series=series).get(number=2).images.get()

    (images / "2.jpg").write_bytes(factories.png_bytes(300, 200, fmt="JPEG"))
    with django_capture_on_commit_callbacks(execute=True):
        out, _ = run_import(source, format="xkcd", images=images)

    assert out.startswith("created 0, updated 1, unchanged 2, failed 0 (images stored 1")
    new = Comic.objects.filter(series=series).get(number=2).images.get()
    assert new.pk != old.pk and (new.width, new.height) == (300, 200)
    assert not (Path(settings.MEDIA_ROOT) / old.file.name).exists()


@pytest.mark.django_db
def test_a_missing_image_is_filled_in_when_a_later_run_has_the_file(series, tmp_path):
    source = write_lines(tmp_path / "comics.jsonl", xkcd_lines(2))
    run_import(source, format="xkcd")
    assert Comic.objects.filter(series=series).get(number=1).images.get().is_missing

    out, _ = run_import(source, format="xkcd", images=XKCD_IMAGES)

    assert out.strip() == "created 0, updated 2, unchanged 0, failed 0 (images stored 2, missing 0)"
    image = Comic.objects.filter(series=series).get(number=1).images.get()
    assert not image.is_missing and image.format == "JPEG"


@pytest.mark.django_db
def test_a_bad_line_is_reported_with_its_number_the_rest_imported_and_then_the_command_fails(series, tmp_path):
    lines = xkcd_lines(6)
    lines[2] = lines[2][:40]  # cut short: broken JSON
    record = json.loads(lines[4])
    record["month"] = "13"
    lines[4] = json.dumps(record)
    source = write_lines(tmp_path / "comics.jsonl", lines)

    out, err, failure = run_failing_import(source, format="xkcd")

    assert out.startswith("created 4, updated 0, unchanged 0, failed 2")
    assert failure == "2 records failed; see the messages above"
    assert "comics.jsonl line 3: invalid JSON" in err
    assert "comics.jsonl line 5: invalid date 2006-13-1" in err
    assert sorted(Comic.objects.filter(series=series).values_list("number", flat=True)) == [1, 2, 4, 6]


@pytest.mark.django_db
def test_a_record_the_database_would_refuse_is_reported_and_the_batch_goes_on(series, tmp_path):
    lines = xkcd_lines(4)
    long_title, surrogate = json.loads(lines[1]), json.loads(lines[2])
    long_title["title"] = "x" * 501
    surrogate["alt"] = "broken \udc80 text"
    lines[1], lines[2] = json.dumps(long_title), json.dumps(surrogate)
    source = write_lines(tmp_path / "comics.jsonl", lines)

    out, err, _ = run_failing_import(source, format="xkcd")

    assert out.startswith("created 2, updated 0, unchanged 0, failed 2")
    assert "line 2: title is longer than 500 characters (xkcd:2)" in err
    assert "line 3: alt_text contains an unpaired surrogate (mis-encoded text) (xkcd:3)" in err


@pytest.mark.django_db
def test_limit_imports_only_the_first_records(series, tmp_path):
    source = write_lines(tmp_path / "comics.jsonl", xkcd_lines(5))
    out, _ = run_import(source, format="xkcd", limit=2)
    assert out.startswith("created 2, updated 0, unchanged 0, failed 0")


@pytest.mark.django_db
def test_a_crash_mid_import_keeps_committed_batches_and_a_rerun_resumes(series, tmp_path):
    source = write_lines(tmp_path / "comics.jsonl", xkcd_lines(5))

    def crashing(parsed):
        for index, item in enumerate(parsed):
            if index == 3:
                raise RuntimeError("power cut")
            yield item

    with pytest.raises(RuntimeError):
        ArchiveImport(series=series, status=Comic.Status.PUBLISHED, batch_size=2).run(crashing(parse_xkcd(source)))
    assert list(Comic.objects.filter(series=series).values_list("number", flat=True)) == [1, 2]

    out, _ = run_import(source, format="xkcd")

    assert out.startswith("created 3, updated 0, unchanged 2, failed 0")


@pytest.mark.django_db
def test_strict_aborts_at_the_first_bad_line_before_writing_anything(series, tmp_path):
    lines = xkcd_lines(5)
    lines[3] = "{not json"
    source = write_lines(tmp_path / "comics.jsonl", lines)

    with pytest.raises(CommandError, match="line 4: invalid JSON"):
        run_import(source, format="xkcd", strict=True)
    assert not Comic.objects.filter(series=series).exists()


@pytest.mark.django_db
def test_a_number_the_author_already_used_is_reported_not_overwritten(series, tmp_path):
    mine = factories.comic(number=2, title="My own second comic")
    source = write_lines(tmp_path / "comics.jsonl", xkcd_lines(3))

    out, err, failure = run_failing_import(source, format="xkcd")

    assert out.startswith("created 2, updated 0, unchanged 0, failed 1")
    assert "comics.jsonl line 2: number 2 is already used by another comic in Main story (xkcd:2); " in err
    assert "use --series" in err
    assert failure == "1 record failed; see the messages above"
    mine.refresh_from_db()
    assert mine.title == "My own second comic"


@pytest.mark.django_db
def test_imports_as_drafts_on_request_and_a_rerun_keeps_the_authors_status(series, tmp_path):
    source = write_lines(tmp_path / "comics.jsonl", xkcd_lines(2))
    run_import(source, format="xkcd", draft=True)
    assert not Comic.objects.published().filter(series=series).exists()
    Comic.objects.filter(series=series, number=1).update(status=Comic.Status.PUBLISHED, source_hash="stale")

    run_import(source, format="xkcd")

    assert list(Comic.objects.published().filter(series=series).values_list("number", flat=True)) == [1]


# --- Series ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_each_archive_goes_into_a_series_of_its_own_created_on_first_import(series, tmp_path):
    demo = [factories.comic(number=n, title=f"Demo {n}") for n in (1, 2, 3)]
    source = write_lines(tmp_path / "comics.jsonl", xkcd_lines(3))

    out, _ = run_import(source, format="xkcd", series="first-strips", series_title="First strips")
    mimi_out, _ = run_import(mimi_folder(tmp_path / "mimi", ["001", "002"]), format="mimi", series="mimi-strips")

    assert out.splitlines() == [
        "Created series 'first-strips' titled 'First strips'.",
        "created 3, updated 0, unchanged 0, failed 0 (images stored 0, missing 3)",
    ]
    assert mimi_out.splitlines()[0] == "Created series 'mimi-strips' titled 'Mimi strips'."
    assert list(Comic.objects.filter(series__slug="first-strips").values_list("number", flat=True)) == [1, 2, 3]
    assert list(Comic.objects.filter(series__slug="mimi-strips").values_list("number", flat=True)) == [1, 2]
    assert list(Comic.objects.filter(series=series)) == demo
    assert not Series.objects.get(slug="mimi-strips").is_default

    again, _ = run_import(source, format="xkcd", series="first-strips", series_title="Something else")
    assert again.splitlines() == ["created 0, updated 0, unchanged 3, failed 0 (images stored 0, missing 0)"]
    assert Series.objects.get(slug="first-strips").title == "First strips"


@pytest.mark.django_db
def test_a_series_slug_that_cannot_be_used_is_refused_with_the_existing_series_listed(series, tmp_path):
    source = write_lines(tmp_path / "comics.jsonl", xkcd_lines(1))
    Series.objects.create(slug="side", title="Side stories")

    with pytest.raises(CommandError) as failure:
        run_import(source, format="xkcd", series="no pe")

    assert str(failure.value).startswith(
        "cannot create series 'no pe': Enter a valid “slug” consisting of letters, numbers, underscores or hyphens. "
        "Existing series: main (Main story, the main series), "
    )
    assert "side (Side stories)" in str(failure.value)
    assert not Series.objects.filter(slug="no pe").exists()
    assert not Comic.objects.filter(series=series).exists()


@pytest.mark.django_db
def test_a_series_title_without_a_series_is_refused_with_the_existing_series_listed(series, tmp_path):
    source = write_lines(tmp_path / "comics.jsonl", xkcd_lines(1))

    with pytest.raises(CommandError, match=r"^--series-title needs --series SLUG.* Existing series: main \(Main story"):
        run_import(source, format="xkcd", series_title="xkcd")
    assert not Comic.objects.filter(series=series).exists()


@pytest.mark.django_db
def test_no_series_is_created_when_the_source_path_is_wrong(series, tmp_path):
    with pytest.raises(CommandError, match="has no comics.jsonl"):
        run_import(tmp_path, format="mimi", series="mimi")
    assert not Series.objects.filter(slug="mimi").exists()


# --- Mimi and Eunice ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_mimi_import_creates_every_strip_and_keeps_string_ids(mimi_archive):
    assert mimi_archive["out"].strip() == (
        "created 509, updated 0, unchanged 0, failed 0 (images stored 7, missing 502)"
    )
    strips = Comic.objects.filter(series=mimi_archive["series"])
    assert strips.count() == 509
    helmet, alternate = strips.get(source_id="mimi:181"), strips.get(source_id="mimi:0181")
    assert helmet.number != alternate.number  # "181" and "0181" are different strips
    assert strips.get(source_id="mimi:0000").number == 1  # numbered in the order of sources.tsv
    assert not alternate.images.get().is_missing


@pytest.mark.django_db
def test_a_mimi_strip_whose_image_is_not_at_hand_keeps_its_page_url_on_the_comic_not_as_an_image(mimi_archive):
    """The source URL is the strip's web page: an <img> pointing at it would show nothing."""
    boundaries = Comic.objects.get(series=mimi_archive["series"], source_id="mimi:002")
    assert boundaries.source_url == "http://mimiandeunice.com/2010/07/26/boundaries/"
    image = boundaries.images.get()
    assert image.is_missing and image.source_url == ""
    missing = ComicImage.objects.filter(comic__series=mimi_archive["series"], file="")
    assert missing.count() == 502 and not missing.exclude(source_url="").exists()


@pytest.mark.django_db
def test_mimi_strips_have_no_hover_text_and_a_description_read_from_the_transcript(mimi_archive):
    source = {r["id"]: r for r in records(MIMI / "comics.jsonl")}
    strips = Comic.objects.filter(series=mimi_archive["series"])
    assert not strips.exclude(alt_text="").exists()
    feelings, right_or_happy = strips.get(source_id="mimi:001"), strips.get(source_id="mimi:223")
    assert feelings.description == (
        "Eunice: CHEER UP, MIMI...\nEunice: FEELINGS AREN'T FACTS!\nMimi: IT'S A FACT THAT I'M SAD!"
    )
    # No ID line, no }} comments, no emphasis marks; the transcript itself stays as given.
    assert right_or_happy.description.splitlines() == [
        "Eunice: WOULD YOU RATHER BE RIGHT, OR HAPPY?",
        "Mimi: NEITHER!",
        "Mimi: I'D RATHER BE RICH!",
    ]
    assert right_or_happy.transcript == source["223"]["transcript"]
    assert strips.get(source_id="mimi:207").description.splitlines()[2] == "Mimi: I DON'T SEE ANY!"
    assert strips.get(source_id="mimi:094").description.splitlines()[-1] == (
        "Death: I'VE COME TO WORRY YOU CONSTANTLY ABOUT YOUR MORTALITY."
    )
    assert strips.get(source_id="mimi:270").description == "A strip without words."
    unknown_and_caption = strips.get(source_id="mimi:365").description.splitlines()[::2]
    assert unknown_and_caption == ["Someone: NO.", "Caption: 20 YEARS LATER..."]


@pytest.mark.django_db
def test_mimi_title_and_date_come_from_the_strip_url_and_the_transcript_is_verbatim(mimi_archive):
    source = {r["id"]: r for r in records(MIMI / "comics.jsonl")}
    strips = Comic.objects.filter(series=mimi_archive["series"])
    feelings = strips.get(source_id="mimi:001")
    assert (feelings.title, feelings.slug) == ("Feelings", "feelings")
    assert feelings.publish_at == datetime(2010, 7, 26, tzinfo=ZoneInfo(settings.TIME_ZONE))
    assert strips.get(source_id="mimi:223").transcript == source["223"]["transcript"]  # comments, \r\n and all
    assert strips.get(source_id="mimi:001").extra["word_bubbles"] == source["001"]["word_bubbles"]


@pytest.mark.django_db
def test_mimi_speakers_become_characters_linked_to_the_strips_they_speak_in(mimi_archive):
    names = dict(Character.objects.values_list("code", "name"))
    assert names == {
        "M": "Mimi",
        "E": "Eunice",
        "D": "Death",
        "G": "God",
        "K": "Karl Marx",
        "B": "Frédéric Bastiat",
        "F": "A nameless foreigner",
        "C": "Online commenter(s)",
    }  # SFX, L (labels), U (unknown) and NOBODY are not characters
    assert Character.objects.get(code="M").comics.count() == 463
    marx = Character.objects.get(code="K")
    assert list(marx.comics.values_list("source_id", flat=True)) == ["mimi:144"]
    assert set(Comic.objects.get(source_id="mimi:144").characters.values_list("code", flat=True)) == {"M", "K", "B"}


@pytest.mark.django_db
def test_a_character_of_another_comic_with_the_same_code_is_not_taken_for_a_speaker(series, tmp_path):
    moss = factories.character("Moss", code="M")
    folder = tmp_path / "mimi"
    folder.mkdir()
    shutil.copy(MIMI / "characters_list.txt", folder)
    write_lines(folder / "comics.jsonl", [json.dumps(records(MIMI / "comics.jsonl")[0])])

    run_import(folder, format="mimi")

    speakers = Comic.objects.get(series=series, source_id="mimi:0000").characters.all()
    assert [(c.code, c.name) for c in speakers] == [("M", "Mimi")]
    assert not moss.comics.exists()


def mimi_folder(path: Path, ids: list[str], *, images: tuple[str, ...] = ()) -> Path:
    """A Mimi and Eunice data folder holding only the records `ids` (numbered 1, 2, ... in that order)."""
    path.mkdir()
    shutil.copy(MIMI / "characters_list.txt", path)
    by_id = {r["id"]: r for r in records(MIMI / "comics.jsonl")}
    write_lines(path / "comics.jsonl", [json.dumps(by_id[i]) for i in ids])
    if images:
        (path / "images").mkdir()
        for strip_id in images:
            shutil.copy(MIMI / "images" / f"{strip_id}.png", path / "images")
    return path


@pytest.mark.django_db
def test_imported_mimi_strips_read_well_and_never_draw_a_web_page_as_an_image(client, series, tmp_path):
    run_import(mimi_folder(tmp_path / "mimi", ["001", "002"], images=("001",)), format="mimi")
    feelings, boundaries = Comic.objects.filter(series=series).order_by("number")

    page = client.get(boundaries.get_absolute_url()).content.decode()
    assert re.findall(r"<img\b", page) == []
    assert (
        '<p class="comic-placeholder-title">Image not available</p>'
        '<p><a href="http://mimiandeunice.com/2010/07/26/boundaries/">See the original</a></p>'
    ) in page
    assert "og:image" not in page
    assert client.get("/comic/2/info.0.json").json()["img"] == ""
    items = {i.findtext("title"): i for i in ET.fromstring(client.get("/feed/rss/").content).iter("item")}
    assert items["Feelings"].find("enclosure") is not None and items["Boundaries"].find("enclosure") is None
    assert "<img" in items["Feelings"].findtext("description")
    assert "<img" not in items["Boundaries"].findtext("description")
    assert "see the original" in items["Boundaries"].findtext("description")

    page = client.get(feelings.get_absolute_url()).content.decode()
    (img,) = re.findall(r"<img\b[^>]*>", page)
    assert f'src="/img/{feelings.images.get().pk}/original.png"' in img
    assert 'alt="Eunice: CHEER UP, MIMI...\nEunice: FEELINGS AREN&#x27;T FACTS!\nMimi: IT&#x27;S A FACT' in img
    assert "title=" not in img  # no hover text


@pytest.mark.django_db
def test_a_rerun_mends_mimi_strips_an_earlier_importer_gave_a_page_url_as_image_address(series, tmp_path, monkeypatch):
    folder = mimi_folder(tmp_path / "mimi", ["001", "002"])
    monkeypatch.setattr(importers, "DIGEST_VERSION", 1)
    run_import(folder, format="mimi")
    # What the first importer wrote: the strip's page URL as its image address, no description.
    ComicImage.objects.filter(comic__series=series).update(source_url="http://mimiandeunice.com/2010/07/26/boundaries/")
    Comic.objects.filter(series=series).update(description="")
    monkeypatch.undo()

    out, _ = run_import(folder, format="mimi")

    assert out.startswith("created 0, updated 2, unchanged 0, failed 0")
    assert not ComicImage.objects.filter(comic__series=series).exclude(source_url="").exists()
    assert Comic.objects.get(series=series, number=1).description.startswith("Eunice: CHEER UP, MIMI...")


@pytest.mark.django_db
def test_mimi_rerun_duplicates_no_character_and_no_link(mimi_archive):
    links = Comic.characters.through.objects.count()
    out, _ = run_import(MIMI, format="mimi", series="mimi-and-eunice")
    assert out.startswith("created 0, updated 0, unchanged 509, failed 0")
    assert Character.objects.count() == 8
    assert Comic.characters.through.objects.count() == links


# --- A folder of images ---------------------------------------------------------------------------------


def image_folder(path: Path, names: list[str]) -> Path:
    path.mkdir()
    for index, name in enumerate(names):
        (path / name).write_bytes(factories.png_bytes(40, 30, color=(index * 20, 0, 0)))
    return path


def test_natural_order_puts_page2_before_page10():
    assert sorted(["page10.png", "page2.png", "Page1.png"], key=natural_key) == ["Page1.png", "page2.png", "page10.png"]


@pytest.mark.django_db
def test_folder_import_numbers_images_in_natural_file_name_order(series, tmp_path):
    folder = image_folder(tmp_path / "site", ["page10.png", "page2.png", "page1.png", "page9.png", "notes.txt"])

    out, _ = run_import(folder, format="folder")

    assert out.startswith("created 4, updated 0, unchanged 0, failed 0 (images stored 4")
    assert list(Comic.objects.published().filter(series=series).values_list("number", "title")) == [
        (1, "page1"),
        (2, "page2"),
        (3, "page9"),
        (4, "page10"),
    ]


@pytest.mark.django_db
def test_folder_import_takes_titles_dates_and_alt_from_the_csv(series, tmp_path):
    folder = image_folder(tmp_path / "site", ["01-start.png", "02-end.png"])
    table = tmp_path / "titles.csv"
    table.write_text(
        "filename,title,date,alt\n02-end.png,The End,2020-05-01,Fin.\nghost.png,Nobody,2020-01-01,\n", encoding="utf-8"
    )

    out, err, _ = run_failing_import(folder, format="folder", csv=table)

    assert out.startswith("created 2, updated 0, unchanged 0, failed 1")
    assert "CSV line 3: no image file named 'ghost.png'" in err
    start, end = Comic.objects.filter(series=series).order_by("number")
    assert start.title == "01 start"
    assert (end.title, end.slug, end.alt_text) == ("The End", "the-end", "Fin.")
    assert end.publish_at == datetime(2020, 5, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))


@pytest.mark.django_db
def test_folder_import_numbers_after_the_last_comic_and_a_rerun_keeps_numbers(series, tmp_path):
    factories.comic(number=7)
    folder = image_folder(tmp_path / "site", ["a.png", "b.png"])
    run_import(folder, format="folder")
    (folder / "c.png").write_bytes(factories.png_bytes(20, 20))
    (folder / "a.png").write_bytes(factories.png_bytes(50, 50))  # redrawn

    out, _ = run_import(folder, format="folder")

    assert out.startswith("created 1, updated 1, unchanged 1, failed 0")
    assert dict(Comic.objects.filter(series=series).exclude(source_id="").values_list("source_id", "number")) == {
        "folder:a.png": 8,
        "folder:b.png": 9,
        "folder:c.png": 10,
    }


@pytest.mark.django_db
def test_a_folder_file_that_is_not_an_image_makes_no_comic_and_fails_once(client, series, tmp_path):
    folder = image_folder(tmp_path / "site", ["page1.png", "page2.png", "page4.png"])
    (folder / "page3.png").write_text("Notes for page 3, not a picture.")

    out, err, failure = run_failing_import(folder, format="folder")

    assert out.strip() == "created 3, updated 0, unchanged 0, failed 1 (images stored 3, missing 0)"
    assert err.splitlines() == [
        "image page3.png: “page3.png” is not a PNG, JPEG, GIF or WebP image. "
        "Export it in one of those formats and upload it again. (no comic imported for it)"
    ]
    assert failure == "1 record failed; see the messages above"
    comics = Comic.objects.filter(series=series)
    assert list(comics.values_list("title", flat=True)) == ["page1", "page2", "page4"]
    assert not ComicImage.objects.filter(comic__series=series, file="").exists()
    for comic in comics:
        assert 'src=""' not in client.get(comic.get_absolute_url()).content.decode()
        assert client.get(f"/comic/{comic.number}/info.0.json").json()["img"].endswith("/original.png")


@pytest.mark.django_db
def test_a_refused_folder_file_is_imported_once_it_is_replaced_by_an_image(series, tmp_path):
    folder = image_folder(tmp_path / "site", ["page1.png"])
    (folder / "page2.png").write_text("not a picture")
    run_failing_import(folder, format="folder")
    (folder / "page2.png").write_bytes(factories.png_bytes(20, 20))

    out, err = run_import(folder, format="folder")

    assert out.startswith("created 1, updated 0, unchanged 1, failed 0 (images stored 1")
    assert err == ""
    assert not Comic.objects.get(series=series, title="page2").images.get().is_missing


@pytest.mark.django_db
def test_a_folder_file_that_turns_bad_fails_and_leaves_its_comic_as_it_was(series, tmp_path):
    folder = image_folder(tmp_path / "site", ["page1.png"])
    table = tmp_path / "titles.csv"
    table.write_text("filename,title\npage1.png,Start\n", encoding="utf-8")
    run_import(folder, format="folder", csv=table)
    image = Comic.objects.get(series=series).images.get()
    table.write_text("filename,title\npage1.png,The start\n", encoding="utf-8")
    (folder / "page1.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")

    out, err, _ = run_failing_import(folder, format="folder", csv=table)

    assert out.startswith("created 0, updated 0, unchanged 0, failed 1")
    assert "image page1.png: “page1.png” is not a PNG" in err
    comic = Comic.objects.get(series=series)
    assert comic.title == "Start" and list(comic.images.all()) == [image]


@pytest.mark.django_db
def test_a_corrupt_xkcd_image_still_imports_its_comic_flagged_missing_with_a_warning(client, series, tmp_path):
    source = write_lines(tmp_path / "comics.jsonl", xkcd_lines(2))
    images = tmp_path / "images"
    images.mkdir()
    shutil.copy(XKCD_IMAGES / "1.jpg", images / "1.jpg")
    (images / "2.jpg").write_bytes((XKCD_IMAGES / "2.jpg").read_bytes()[:200])  # cut short

    out, err = run_import(source, format="xkcd", images=images)

    assert out.strip() == "created 2, updated 0, unchanged 0, failed 0 (images stored 1, missing 0, refused 1)"
    (warning,) = err.splitlines()
    assert warning.startswith("comics.jsonl line 2: warning: image 2.jpg: “2.jpg” ")  # then Pillow's reason
    assert warning.endswith(". The comic is imported with its image flagged missing.")
    assert Comic.objects.filter(series=series).count() == 2
    image = Comic.objects.get(series=series, number=2).images.get()
    assert image.is_missing and image.source_url == "https://imgs.xkcd.com/comics/tree_cropped_(1).jpg"
    assert client.get("/comic/2/info.0.json").json()["img"] == image.source_url

    again, err = run_import(source, format="xkcd", images=images)
    assert again.startswith("created 0, updated 0, unchanged 2, failed 0") and err == ""


@pytest.mark.django_db
def test_a_corrupt_mimi_image_still_imports_its_strip_without_an_image_address(series, tmp_path):
    folder = mimi_folder(tmp_path / "mimi", ["001"], images=("001",))
    (folder / "images" / "001.png").write_text("not a picture")

    out, err = run_import(folder, format="mimi")

    assert out.strip() == "created 1, updated 0, unchanged 0, failed 0 (images stored 0, missing 0, refused 1)"
    assert err.startswith("comics.jsonl line 1: warning: image 001.png: “001.png” is not a PNG")
    image = Comic.objects.get(series=series).images.get()
    assert image.is_missing and image.source_url == ""


@pytest.mark.django_db
def test_strict_rolls_back_the_batch_of_a_refused_image(series, tmp_path):
    folder = image_folder(tmp_path / "site", ["1.png"])
    (folder / "2.png").write_text("<svg></svg>")

    with pytest.raises(CommandError, match="image 2.png: .* is not a PNG"):
        run_import(folder, format="folder", strict=True)
    assert not Comic.objects.filter(series=series).exists()
