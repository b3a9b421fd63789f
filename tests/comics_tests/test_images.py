"""The image rules: what an upload must be, and what is stored from it."""

import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageChops, ImageDraw, ImageStat

from comics.images import validate_upload
from comics.models import ComicImage
from comics.services import comic_image_add
from tests import factories
from tests.factories import png_bytes

DATA = Path(settings.BASE_DIR).parent / "shared" / "data"

pytestmark = pytest.mark.django_db


def add(data: bytes, filename: str = "page.png") -> ComicImage:
    return comic_image_add(comic=factories.comic(), fileobj=io.BytesIO(data), filename=filename)


def refusal(data: bytes, filename: str = "page.png") -> str:
    with pytest.raises(ValidationError) as caught:
        add(data, filename)
    assert not ComicImage.objects.exists()
    return caught.value.messages[0]


def stored(path: str) -> Image.Image:
    with default_storage.open(path) as f:
        im = Image.open(io.BytesIO(f.read()))
        im.load()
    return im


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares `width`×`height` pixels it does not have."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def gif_with_transparent_left_half(size=(480, 360), frames=2) -> bytes:
    palette = [0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * 759
    images = []
    for colour in range(1, frames + 1):
        im = Image.new("P", size, colour)
        im.putpalette(palette)
        ImageDraw.Draw(im).rectangle((0, 0, size[0] // 2 - 1, size[1] - 1), fill=0)
        images.append(im)
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], transparency=0, duration=100, loop=0)
    return buffer.getvalue()


# --- What is refused ---------------------------------------------------------------------------


def test_svg_is_refused_with_a_message_naming_the_accepted_formats():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
    assert refusal(svg, "drawing.svg") == (
        "“drawing.svg” is not a PNG, JPEG, GIF or WebP image. Export it in one of those formats and upload it again."
    )


def test_text_file_renamed_png_is_refused():
    assert "is not a PNG, JPEG, GIF or WebP image" in refusal(b"Just some notes, not a picture.\n" * 20)


def test_empty_file_is_refused():
    assert "is not a PNG, JPEG, GIF or WebP image" in refusal(b"")


def test_raster_format_other_than_the_four_is_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buffer, "BMP")
    assert "is not a PNG, JPEG, GIF or WebP image" in refusal(buffer.getvalue(), "scan.bmp")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_truncated_file_is_refused_as_damaged(fmt):
    # Noise compresses badly, so half of the file is half of the pixel data.
    noisy = Image.effect_noise((400, 300), 80).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, fmt)
    whole = buffer.getvalue()
    assert refusal(whole[: len(whole) // 2], f"page.{fmt.lower()}") == (
        f"“page.{fmt.lower()}” could not be read to the end: the image is damaged or incomplete. "
        "Export it again and upload it again."
    )


def test_image_declaring_a_huge_size_is_refused_before_decoding_with_the_size_and_limit():
    data = png_header(30000, 30000)
    assert len(data) < 200
    assert refusal(data) == "This image is 30000×30000 (900.0 megapixels); the limit is 40 megapixels."


def test_gif_declaring_the_largest_possible_screen_is_refused_with_its_size():
    gif = bytearray(gif_with_transparent_left_half(size=(8, 8), frames=1))
    gif[6:10] = struct.pack("<HH", 65535, 65535)  # logical screen
    gif[gif.index(b",") + 5 : gif.index(b",") + 9] = struct.pack("<HH", 65535, 65535)  # the frame
    assert refusal(bytes(gif), "huge.gif") == (
        "This image is 65535×65535 (4294.8 megapixels); the limit is 40 megapixels."
    )


def test_megapixel_limit_is_configurable(settings):
    settings.IMAGE_MAX_MEGAPIXELS = 0.25
    assert refusal(png_bytes(640, 480)) == "This image is 640×480 (0.3 megapixels); the limit is 0.25 megapixels."
    settings.IMAGE_MAX_MEGAPIXELS = 0.5
    assert add(png_bytes(640, 480)).width == 640


def test_image_whose_web_sizes_would_take_too_much_memory_is_refused_before_decoding():
    """Under the megapixel limit, but 4 bytes a pixel decoded: the memory limit refuses it from the header."""
    data = png_header(7300, 5465)
    assert refusal(data) == (
        "This image is 7300×5465 (39.9 megapixels): making its web sizes would take 168 MB of memory; "
        "the limit is 64 MB. An image like this one fits up to about 12.7 megapixels. "
        "Export it smaller and upload it again."
    )


def test_large_jpeg_is_decoded_at_the_scale_its_widths_need_and_stored_unchanged(settings):
    settings.IMAGE_MAX_MEMORY_MB = 12
    settings.IMAGE_WIDTHS = [480]
    buffer = io.BytesIO()
    Image.new("RGB", (4000, 3000), "navy").save(buffer, "JPEG")
    assert "making its web sizes would take 55 MB" in refusal(png_header(4000, 3000))  # a PNG is decoded whole

    image = add(buffer.getvalue(), "photo.jpg")  # a JPEG at 1/8 scale: 500×375

    assert (image.width, image.height) == (4000, 3000)
    with default_storage.open(image.file.name) as f:
        assert f.read() == buffer.getvalue()
    assert stored(image.variant_path("w480.jpg")).size == (480, 360)
    assert stored(image.variant_path("thumb.webp")).size == (240, 180)


def test_photo_to_turn_upright_counts_a_second_copy_and_says_so(settings):
    settings.IMAGE_MAX_MEMORY_MB = 14
    exif = Image.Exif()
    exif[0x0112] = 6
    upright, turned = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (1000, 600), "red").save(upright, "JPEG")
    Image.new("RGB", (1000, 600), "red").save(turned, "JPEG", exif=exif)

    assert refusal(turned.getvalue(), "phone.jpg") == (
        "This image is 600×1000 (0.6 megapixels): making its web sizes would take 15 MB of memory; "
        "the limit is 14 MB. An image like this one fits up to about 0.5 megapixels (turned upright in an "
        "image editor first, about twice as many). Export it smaller and upload it again."
    )
    assert add(upright.getvalue(), "upright.jpg").width == 1000


def test_webp_counts_four_times_the_memory_of_a_png_of_its_size():
    webp, png = io.BytesIO(), io.BytesIO()
    Image.new("RGB", (2000, 2000), "teal").save(webp, "WEBP")
    Image.new("RGB", (2000, 2000), "teal").save(png, "PNG")

    message = refusal(webp.getvalue(), "page.webp")
    assert message.startswith("This image is 2000×2000 (4.0 megapixels): making its web sizes would take 79 MB")
    assert "(as PNG or JPEG, about four times as many)" in message
    assert add(png.getvalue()).width == 2000


PEAK_CHILD = """
import io, json, sys
import django
from django.conf import settings
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
settings.MEDIA_ROOT = sys.argv[1]
from comics.models import Comic, Series
from comics.services import comic_image_add

def status_mb(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024

rises = {}
for number, path in enumerate(sys.argv[2:], start=1):
    comic = Comic.objects.create(series=Series.objects.get(), number=number, title="Big", slug="big")
    data = open(path, "rb").read()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak (VmHWM) starts again from the RSS of now
    before = status_mb("VmRSS")
    image = comic_image_add(comic=comic, fileobj=io.BytesIO(data), filename=path.rsplit("/", 1)[-1])
    assert image.variants["thumb"]
    rises[path.rsplit("/", 1)[-1]] = status_mb("VmHWM") - before
print(json.dumps(rises))
"""


def test_large_uploads_keep_a_worker_peak_memory_within_the_limit(tmp_path):
    """In a fresh process (its own in-memory database, default image settings): how far the peak
    RSS rises while `comic_image_add` handles a 12-megapixel RGBA PNG, which the default 64 MB memory
    limit just admits (122 MB before the image was made in bands), and a 30-megapixel JPEG (170 MB
    before it was decoded at reduced scale). ru_maxrss cannot tell: a child's counts the memory the
    parent had when it forked, so the child reads VmHWM after resetting it."""
    panels = Image.new("RGBA", (4000, 3000), (0, 0, 0, 0))
    ImageDraw.Draw(panels).rectangle((40, 40, 3960, 2960), fill=(250, 240, 120, 255), outline="black", width=12)
    panels.save(tmp_path / "page.png", compress_level=1)
    photo = Image.new("RGB", (6708, 4472), "white")
    ImageDraw.Draw(photo).ellipse((500, 500, 6000, 4000), fill="teal")
    photo.save(tmp_path / "photo.jpg", quality=85)
    del panels, photo
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL", "IMAGE_", "THUMB"))}
    env.update(DJANGO_SETTINGS_MODULE="taleas.settings", SQLITE_PATH=":memory:")

    child = subprocess.run(
        [
            sys.executable,
            "-c",
            PEAK_CHILD,
            str(tmp_path / "media"),
            str(tmp_path / "page.png"),
            str(tmp_path / "photo.jpg"),
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert child.returncode == 0, child.stderr
    rises = json.loads(child.stdout)
    assert rises["page.png"] < 75, rises
    assert rises["photo.jpg"] < 40, rises


# --- The form validator ------------------------------------------------------------------------


class CoverForm(forms.Form):
    cover = forms.FileField()

    def clean_cover(self):
        cover = self.cleaned_data["cover"]
        validate_upload(cover)
        return cover


def test_validator_shows_a_form_error_for_a_renamed_file():
    form = CoverForm(files={"cover": SimpleUploadedFile("cover.jpg", b"%PDF-1.4 not an image")})
    assert form.errors == {
        "cover": [
            "“cover.jpg” is not a PNG, JPEG, GIF or WebP image. Export it in one of those formats and upload it again."
        ]
    }


def test_validator_shows_a_form_error_for_an_oversized_image():
    form = CoverForm(files={"cover": SimpleUploadedFile("cover.png", png_header(9000, 5000))})
    assert form.errors == {"cover": ["This image is 9000×5000 (45.0 megapixels); the limit is 40 megapixels."]}


def test_validator_accepts_an_image_and_leaves_the_file_readable_from_the_start():
    upload = SimpleUploadedFile("cover.png", png_bytes(300, 200))
    form = CoverForm(files={"cover": upload})
    assert form.is_valid()
    assert upload.tell() == 0
    info = validate_upload(upload)
    assert (info.format, info.width, info.height, info.is_animated) == ("PNG", 300, 200, False)


# --- What is stored ----------------------------------------------------------------------------


def test_format_is_decided_by_content_and_the_file_stored_with_the_real_extension():
    gif = gif_with_transparent_left_half(frames=1)
    image = add(gif, "renamed.png")
    assert image.format == "GIF"
    assert image.file.name.endswith("/original.gif")
    assert image.mime_type == "image/gif"


def test_exif_orientation_is_applied_to_the_stored_image_and_its_size():
    raw = Image.new("RGB", (1000, 600), "red")
    ImageDraw.Draw(raw).rectangle((500, 0, 999, 599), fill="blue")  # left red, right blue
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    buffer = io.BytesIO()
    raw.save(buffer, "JPEG", exif=exif)

    image = add(buffer.getvalue(), "phone.jpg")

    assert (image.width, image.height) == (600, 1000)
    original = stored(image.file.name)
    assert original.size == (600, 1000)
    assert original.getpixel((300, 100))[0] > 200  # the left side is now on top: red
    assert original.getpixel((300, 900))[2] > 200  # and the right side at the bottom: blue
    assert original.getexif().get(0x0112) in (None, 1)
    w480 = stored(image.variant_path("w480.webp"))
    assert w480.size == (480, 800)
    assert image.size == default_storage.size(image.file.name)
    assert image.sha256 == hashlib.sha256(buffer.getvalue()).hexdigest()  # as uploaded


def test_widths_and_thumbnail_are_stored_beside_the_original_in_webp_and_the_original_format():
    image = add(png_bytes(2000, 1000))
    folder = image.file.name.rsplit("/", 1)[0]
    assert image.file.name == f"{folder}/original.png"
    assert image.variants == {
        "widths": [
            {"w": 480, "h": 240, "webp": f"{folder}/w480.webp", "orig": f"{folder}/w480.png"},
            {"w": 960, "h": 480, "webp": f"{folder}/w960.webp", "orig": f"{folder}/w960.png"},
            {"w": 1600, "h": 800, "webp": f"{folder}/w1600.webp", "orig": f"{folder}/w1600.png"},
        ],
        "thumb": {"w": 240, "h": 120, "webp": f"{folder}/thumb.webp", "orig": f"{folder}/thumb.png"},
    }
    for entry in [*image.variants["widths"], image.variants["thumb"]]:
        for key, fmt in (("webp", "WEBP"), ("orig", "PNG")):
            im = stored(entry[key])
            assert (im.format, im.size) == (fmt, (entry["w"], entry["h"]))
    assert image.variant_path("w960.png") == f"{folder}/w960.png"
    assert image.variant_path("thumb.webp") == f"{folder}/thumb.webp"


def test_jpeg_variants_are_jpeg_and_webp():
    image = add(png_bytes(800, 600, fmt="JPEG"), "page.jpg")
    assert [stored(image.variant_path(k)).format for k in ("w480.jpg", "w480.webp", "thumb.jpg")] == [
        "JPEG",
        "WEBP",
        "JPEG",
    ]


def test_webp_original_gets_one_webp_file_per_width():
    image = add(png_bytes(800, 600, fmt="WEBP"), "page.webp")
    assert image.variants["widths"][0]["webp"] == image.variants["widths"][0]["orig"]
    assert stored(image.variant_path("w480.webp")).size == (480, 360)


def test_images_are_never_scaled_up():
    image = add(png_bytes(500, 300))
    assert [w["w"] for w in image.variants["widths"]] == [480]
    small = add(png_bytes(200, 100))
    assert small.variants["widths"] == []
    assert small.variants["thumb"]["w"] == 200
    assert stored(small.variants["thumb"]["webp"]).size == (200, 100)


def test_cmyk_jpeg_gets_rgb_variants():
    buffer = io.BytesIO()
    Image.new("CMYK", (600, 400), (0, 255, 255, 0)).save(buffer, "JPEG")  # red in ink
    image = add(buffer.getvalue(), "print.jpg")
    thumb = stored(image.variant_path("thumb.jpg"))
    assert thumb.mode == "RGB"
    red, green, blue = thumb.getpixel((120, 80))
    assert red > 200 and green < 60 and blue < 60


@pytest.mark.parametrize("mode", ["P", "LA", "RGB"])
def test_transparent_png_keeps_its_transparency_in_the_variants(mode):
    im = Image.new("RGBA", (600, 400), (0, 0, 255, 255))
    ImageDraw.Draw(im).rectangle((0, 0, 299, 399), fill=(0, 0, 0, 0))
    if mode == "P":
        im = im.convert("P", palette=Image.Palette.ADAPTIVE)
        options = {"transparency": im.getpixel((0, 0))}
    elif mode == "RGB":  # a colour key: black is transparent
        im, options = im.convert("RGB"), {"transparency": (0, 0, 0)}
    else:
        im, options = im.convert("LA"), {}
    buffer = io.BytesIO()
    im.save(buffer, "PNG", **options)
    image = add(buffer.getvalue())
    for key in ("w480.png", "w480.webp", "thumb.png", "thumb.webp"):
        variant = stored(image.variant_path(key)).convert("RGBA")
        assert variant.getpixel((10, 10))[3] == 0, key
        assert variant.getpixel((variant.width - 10, 10))[3] == 255, key


def test_animated_gif_is_kept_byte_for_byte_with_a_still_transparent_thumbnail():
    gif = gif_with_transparent_left_half()
    image = add(gif, "blink.gif")

    assert image.is_animated
    with default_storage.open(image.file.name) as f:
        assert f.read() == gif
    assert image.variants["widths"] == []
    thumb = image.variants["thumb"]
    assert (thumb["w"], thumb["h"]) == (240, 180)
    assert thumb["orig"].endswith("/thumb.png")
    for key in ("thumb.png", "thumb.webp"):
        still = stored(image.variant_path(key))
        assert not getattr(still, "is_animated", False)
        assert still.mode == "RGBA"
        assert still.getpixel((20, 90))[3] == 0, key  # the transparent half
        red, green, blue, alpha = still.getpixel((220, 90))  # the first frame's red half
        assert alpha == 255 and red > 200 and blue < 60, key


# --- Real comics -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["1.jpg", "1193.png", "96.png"])
def test_real_xkcd_image_is_stored_with_its_size_and_hash(name):
    path = DATA / "xkcd" / "images" / name
    data = path.read_bytes()
    with Image.open(path) as im:
        size, fmt = im.size, im.format
    image = add(data, name)
    assert (image.width, image.height, image.format, image.size) == (*size, fmt, len(data))
    with default_storage.open(image.file.name) as f:
        assert f.read() == data
    assert stored(image.variants["thumb"]["webp"]).size == (240, round(size[1] * 240 / size[0]))


def test_real_xkcd_animated_gif_is_kept_whole_with_its_first_frame_as_thumbnail():
    data = (DATA / "xkcd" / "images" / "2445.gif").read_bytes()
    with Image.open(io.BytesIO(data)) as source:
        first = source.convert("RGBA").resize((240, 145))
    image = add(data, "2445.gif")
    assert image.is_animated and (image.width, image.height) == (740, 448)
    assert image.sha256 == hashlib.sha256(data).hexdigest()
    assert image.variants["widths"] == []
    thumb = stored(image.variant_path("thumb.png"))
    assert (thumb.format, thumb.size) == ("PNG", (240, 145))
    assert max(ImageStat.Stat(ImageChops.difference(thumb, first)).mean) < 3


def test_real_mimi_and_eunice_strip_gets_all_three_widths():
    data = (DATA / "mimi_and_eunice" / "images" / "001.png").read_bytes()
    image = add(data, "001.png")
    assert (image.width, image.height, image.format) == (2400, 747, "PNG")
    assert [(w["w"], w["h"]) for w in image.variants["widths"]] == [(480, 149), (960, 299), (1600, 498)]
    assert stored(image.variant_path("w1600.png")).size == (1600, 498)
