import hashlib
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.signals import post_save

from comics.models import Comic, ComicImage
from comics.services import comic_image_add, comics_bulk_create
from tests import factories
from tests.factories import png_bytes

pytestmark = pytest.mark.django_db


def stored_files(settings) -> list:
    return [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()] if settings.MEDIA_ROOT.exists() else []


# --- comic_image_add ---------------------------------------------------------------------------


def test_comic_image_add_records_size_format_and_hash_of_the_stored_original():
    comic = factories.comic()
    data = png_bytes(700, 300)
    image = comic_image_add(comic=comic, fileobj=io.BytesIO(data), filename="strip.png")
    image.refresh_from_db()
    assert (image.comic, image.width, image.height, image.format) == (comic, 700, 300, "PNG")
    assert image.size == len(data) == default_storage.size(image.file.name)
    assert image.sha256 == hashlib.sha256(data).hexdigest()
    assert image.is_animated is False
    assert not image.is_missing


def test_images_are_added_after_the_last_one_unless_a_position_is_given():
    comic = factories.comic()
    first = factories.image(comic=comic, width=100, height=80)
    second = factories.image(comic=comic, width=100, height=80)
    cover = factories.image(comic=comic, width=100, height=80, position=0)
    assert (first.position, second.position, cover.position) == (0, 1, 0)
    factories.image(comic=comic, width=100, height=80, position=7)
    assert factories.image(comic=comic, width=100, height=80).position == 8


def test_upload_is_read_from_its_start_whatever_was_read_before():
    upload = io.BytesIO(png_bytes(120, 90))
    upload.read(10)
    image = comic_image_add(comic=factories.comic(), fileobj=upload, filename="page.png")
    assert (image.width, image.height) == (120, 90)


def test_refused_upload_stores_no_file_and_no_row(settings):
    with pytest.raises(ValidationError):
        comic_image_add(comic=factories.comic(), fileobj=io.BytesIO(b"<svg/>"), filename="x.svg")
    assert not ComicImage.objects.exists()
    assert stored_files(settings) == []


def test_stored_files_are_removed_when_the_row_cannot_be_saved(settings):
    unsaved = Comic(series=factories.default_series(), number=1, title="Unsaved", slug="unsaved")
    with pytest.raises(ValueError):
        comic_image_add(comic=unsaved, fileobj=io.BytesIO(png_bytes(600, 400)), filename="page.png", position=0)
    assert stored_files(settings) == []


def test_comic_with_image_factory_makes_a_published_comic_with_one_image():
    comic = factories.comic_with_image(title="Hello")
    image = comic.images.get()
    assert comic.title == "Hello" and comic.is_visible
    assert (image.width, image.height, image.format) == (640, 480, "PNG")
    assert image.variant_path("thumb.webp")


# --- comics_bulk_create ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_bulk_upload_cut_off_part_way_keeps_the_comics_already_made(settings):
    """Each comic commits with its image on its own. A worker aborted while storing the third
    (gunicorn's timeout raises SystemExit in it) keeps the first two whole, leaves no row or file
    of the third, and the next upload continues the numbering."""
    series = factories.default_series()
    files = [SimpleUploadedFile(f"page{n}.png", png_bytes(40, 30)) for n in range(1, 5)]

    def abort_at_the_third(sender, instance, **kwargs):
        if instance.comic.number == 3:
            raise SystemExit(1)

    post_save.connect(abort_at_the_third, sender=ComicImage)
    try:
        with pytest.raises(SystemExit):
            comics_bulk_create(files=files, series=series)
    finally:
        post_save.disconnect(abort_at_the_third, sender=ComicImage)

    kept = ComicImage.objects.select_related("comic").order_by("comic__number")
    assert [(i.comic.number, i.comic.title) for i in kept] == [(1, "page1"), (2, "page2")]
    folders = {settings.MEDIA_ROOT / Path(image.file.name).parent for image in kept}
    assert {path.parent for path in stored_files(settings)} == folders
    result = comics_bulk_create(files=files[2:], series=series)
    assert [c.number for c in result.created] == [3, 4]
