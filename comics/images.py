"""Verify uploaded images and render their srcset widths and thumbnail with Pillow.

Nothing here touches storage or the database (that is `services.comic_image_add`), so the same
checks serve comic images, chapter covers and character portraits.

An upload is trusted only once Pillow has decoded it: the format comes from the content, never
from the file name, and only PNG, JPEG, GIF and WebP are accepted. Before any pixel is decoded,
the header is checked against two limits: the declared size against IMAGE_MAX_MEGAPIXELS, and the
memory that making the web sizes will take (`memory_needed`) against IMAGE_MAX_MEMORY_MB. A tiny
file declaring 30000×30000, or an image a worker cannot afford, gets a message, never a 500 or a
worker killed for memory.

What keeps that memory low (bench/image_memory.py measures it against `memory_needed`):
- a JPEG is decoded at the smallest scale (1/2, 1/4, 1/8) still as wide as its widest variant
  (`Image.draft`), unless it must be turned upright: then the original is re-encoded at full size;
- the widest variant is made from the decoded image a band of rows at a time, so converting a
  palette or premultiplying alpha never copies the whole image; the decoded image is then freed
  and the smaller variants are made from the widest one.
The stored original is the upload byte for byte, except a photo turned upright (EXIF orientation).
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageOps, UnidentifiedImageError

# Pillow format name -> extension the stored file gets.
FORMATS = {"PNG": "png", "JPEG": "jpg", "GIF": "gif", "WEBP": "webp"}

# WebP method 2 encodes about twice as fast as 4 for 2% more bytes: an import of hundreds of
# images stays within seconds.
WEBP_OPTIONS = {"quality": 80, "method": 2}
SAVE_OPTIONS = {
    "JPEG": {"quality": 85, "progressive": True},
    "PNG": {"compress_level": 6},
    "WEBP": WEBP_OPTIONS,
}
# What Pillow raises on a file it recognises but cannot read to the end.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError)

# Bytes a decoded pixel takes in Pillow, by mode; every other mode (RGB included) takes 4.
BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2}
# Source pixels converted and reduced at a time when making the widest variant (2 MB in RGBA).
BAND_PIXELS = 1 << 19
# What the bands and the encoders take besides the pixels `memory_needed` counts (measured).
WORKING_MEMORY = 8 * 2**20


@dataclass(frozen=True)
class ImageInfo:
    """What a verified upload is: its real format and its size as displayed (after EXIF rotation)."""

    format: str
    width: int
    height: int
    is_animated: bool

    @property
    def extension(self) -> str:
        return FORMATS[self.format]


@dataclass
class Rendition:
    """A verified image, decoded once, and every file made from it, keyed by file name."""

    info: ImageInfo
    # The bytes to store as the original; None keeps the upload byte for byte.
    original: bytes | None
    files: dict[str, bytes] = field(default_factory=dict)
    # ComicImage.variants with bare file names; `variants_in(folder)` gives storage paths.
    widths: list[dict] = field(default_factory=list)
    thumb: dict = field(default_factory=dict)

    def variants_in(self, folder: str) -> dict:
        def place(entry: dict) -> dict:
            return {**entry, "webp": f"{folder}/{entry['webp']}", "orig": f"{folder}/{entry['orig']}"}

        return {"widths": [place(e) for e in self.widths], "thumb": place(self.thumb)}


def validate_upload(fileobj: IO[bytes]) -> ImageInfo:
    """Raise ValidationError unless `fileobj` is a PNG, JPEG, GIF or WebP image within the limits.

    For forms (chapter covers, character portraits, comic images): call it from `clean_<field>`,
    or pass it in a form field's `validators`. It checks and decodes the image as `render` does (so
    what it accepts, `render` accepts), and leaves the file at its start.
    """
    name = PurePosixPath(getattr(fileobj, "name", "") or "").name
    info = open_verified(fileobj, name=name)[1]  # the decoded image is dropped here, the file left open
    fileobj.seek(0)
    return info


def open_verified(fileobj: IO[bytes], *, name: str = "") -> tuple[Image.Image, ImageInfo]:
    """Open an upload, check it against both limits, and decode it at the scale `render` needs."""
    label = f"“{name}”" if name else "This file"
    fileobj.seek(0)
    try:
        im = _open(fileobj)
        info = _info(im)  # reads (and caches) the frame headers before load(), not after
    except (UnidentifiedImageError, *DECODE_ERRORS) as exc:
        raise ValidationError(
            "%(label)s is not a PNG, JPEG, GIF or WebP image. Export it in one of those formats and upload it again.",
            code="invalid_image",
            params={"label": label},
        ) from exc
    check_megapixels(im.size)
    if info.format == "JPEG" and _upright(im):
        widest = _widest(info)
        im.draft(None, (widest, _height(info, widest)))  # 1/2, 1/4 or 1/8 scale when still wide enough
    check_memory(im, info)
    try:
        im.load()
    except DECODE_ERRORS as exc:
        im.close()
        raise ValidationError(
            "%(label)s could not be read to the end: the image is damaged or incomplete. "
            "Export it again and upload it again.",
            code="corrupt_image",
            params={"label": label},
        ) from exc
    return im, info


def check_megapixels(size: tuple[int, int]) -> None:
    width, height = size
    limit = settings.IMAGE_MAX_MEGAPIXELS
    megapixels = width * height / 1_000_000
    if megapixels > limit:
        raise ValidationError(
            "This image is %(width)d×%(height)d (%(mp).1f megapixels); the limit is %(limit)s megapixels.",
            code="too_many_megapixels",
            params={"width": width, "height": height, "mp": megapixels, "limit": f"{limit:g}"},
        )


def check_memory(im: Image.Image, info: ImageInfo) -> None:
    """Refuse an image whose web sizes would take more than IMAGE_MAX_MEMORY_MB to make."""
    needed, hint = memory_needed(im, info)
    budget = settings.IMAGE_MAX_MEMORY_MB * 2**20
    if needed > budget:
        megapixels = info.width * info.height / 1_000_000
        # What grows with the pixels, and what does not (the widest variant, the working buffers).
        fixed = _sizes_memory(info)
        fits = max(0, megapixels * (budget - fixed) / (needed - fixed))
        raise ValidationError(
            "This image is %(width)d×%(height)d (%(mp).1f megapixels): making its web sizes would take "
            "%(needed)d MB of memory; the limit is %(limit)s MB. An image like this one fits up to about "
            "%(fits).1f megapixels%(hint)s. Export it smaller and upload it again.",
            code="too_much_memory",
            params={
                "width": info.width,
                "height": info.height,
                "mp": megapixels,
                "needed": math.ceil(needed / 2**20),
                "limit": f"{settings.IMAGE_MAX_MEMORY_MB:g}",
                "fits": math.floor(fits * 10) / 10,
                "hint": hint,
            },
        )


def memory_needed(im: Image.Image, info: ImageInfo) -> tuple[int, str]:
    """Bytes `render` takes for `im` (opened and drafted, not yet decoded), and a hint for the author
    when the format or the rotation is what costs most.

    The pixels as they will be decoded (a JPEG at its drafted scale) at the bytes per pixel of their
    mode, the decoder's own buffers, a second copy to turn the image upright, the widest variant in
    RGBA and the working buffers. bench/image_memory.py compares it with what uploads really take.
    """
    pixels = im.width * im.height
    decoded = pixels * BYTES_PER_PIXEL.get(im.mode, 4)
    needed, hint = decoded, ""
    if info.format == "WEBP":
        # Pillow decodes through libwebp's animation decoder: its canvas and previous frame, and the
        # bytes it copies from: 16 bytes a pixel (measured), four times as much as a PNG.
        needed, hint = pixels * 16, " (as PNG or JPEG, about four times as many)"
    elif info.format == "JPEG" and im.info.get("progressive"):
        # libjpeg keeps every DCT coefficient (2 bytes) of a progressive JPEG, whatever the scale.
        hmax, vmax = max(layer[1] for layer in im.layer), max(layer[2] for layer in im.layer)
        samples = sum(layer[1] * layer[2] for layer in im.layer) / (hmax * vmax)
        needed += round(2 * samples * info.width * info.height)
        hint = " (saved as a baseline JPEG, not progressive, many more)"
    if not _upright(im):
        needed += decoded
        hint = " (turned upright in an image editor first, about twice as many)"
    return needed + _sizes_memory(info), hint


def _sizes_memory(info: ImageInfo) -> int:
    """Bytes that making the sizes takes beside the decoded image: the widest variant in RGBA, which
    the others are made from, and the bands and encoders' buffers."""
    widest = _widest(info)
    return widest * _height(info, widest) * 4 + WORKING_MEMORY


def render(data: bytes, *, name: str = "") -> Rendition:
    """Verify `data` and make the srcset widths and the thumbnail, each in WebP and the original's format.

    Widths come from IMAGE_WIDTHS, only those narrower than the image (never upscaled). An animated
    image keeps its original untouched and gets no widths, only a still thumbnail of its first frame.
    GIF variants are written as PNG: resampled pixels do not fit a 256-colour palette.
    """
    im, info = open_verified(io.BytesIO(data), name=name)
    original = None
    if not _upright(im):
        upright = ImageOps.exif_transpose(im)
        im.close()
        im = upright
        original = _encode(im, info.format, quality=92)
    rendition = Rendition(info=info, original=original)

    widest = _widest(info)
    base = _resized(im, (widest, _height(info, widest)))
    im.close()  # the smaller sizes are made from `base`
    variant_fmt = "PNG" if info.format == "GIF" else info.format
    for width in _widths(info):
        rendition.widths.append(_add(rendition, base, f"w{width}", (width, _height(info, width)), variant_fmt))
    thumb = min(settings.THUMBNAIL_WIDTH, info.width)
    rendition.thumb = _add(rendition, base, "thumb", (thumb, _height(info, thumb)), variant_fmt)
    return rendition


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _add(rendition: Rendition, base: Image.Image, stem: str, size: tuple[int, int], fmt: str) -> dict:
    resized = base if size == base.size else base.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    webp, orig = f"{stem}.webp", f"{stem}.{FORMATS[fmt]}"
    rendition.files[webp] = _encode(resized, "WEBP")
    if orig != webp:
        rendition.files[orig] = _encode(resized, fmt)
    return {"w": size[0], "h": size[1], "webp": webp, "orig": orig}


def _widths(info: ImageInfo) -> list[int]:
    """The srcset widths of an image: those of IMAGE_WIDTHS narrower than it; none for an animation."""
    return [] if info.is_animated else sorted(w for w in settings.IMAGE_WIDTHS if w < info.width)


def _widest(info: ImageInfo) -> int:
    """The width of the largest variant, the one made from the decoded image."""
    return max([*_widths(info), min(settings.THUMBNAIL_WIDTH, info.width)])


def _height(info: ImageInfo, width: int) -> int:
    return max(1, round(info.height * width / info.width))


def _resized(im: Image.Image, size: tuple[int, int]) -> Image.Image:
    """`im` in its working mode, resized to `size`, made a band of rows at a time.

    Converting a palette or premultiplying alpha copies an image whole; band by band, no full-size
    copy ever exists. Each band is box-reduced by the whole factor that leaves at least twice the
    target size (as Pillow's reducing_gap=2), then Lanczos-resampled together with the rows around it
    that the filter reaches, so the result is that of resizing the whole image at once.
    """
    width, height = size
    mode = _working_mode(im)
    factor = max(1, min(im.width // (2 * width), im.height // (2 * height)))
    reduced_height = math.ceil(im.height / factor)
    scale = im.height / factor / height  # reduced rows per output row
    margin = math.ceil(3 * max(scale, 1)) + 2  # Lanczos reaches 3 output rows either side
    rows = max(1, int(BAND_PIXELS / (im.width * factor * scale)))  # output rows per band
    out = Image.new(mode, size)
    for top in range(0, height, rows):
        bottom = min(top + rows, height)
        first = max(0, math.floor(top * scale) - margin)
        last = min(reduced_height, math.ceil(bottom * scale) + margin)
        band = im.crop((0, first * factor, im.width, min(im.height, last * factor)))
        band = band if band.mode == mode else band.convert(mode)
        band = band.reduce(factor) if factor > 1 else band
        box = (0, top * scale - first, im.width / factor, bottom * scale - first)
        out.paste(band.resize((width, bottom - top), Image.Resampling.LANCZOS, box=box), (0, top))
    if icc := im.info.get("icc_profile"):
        out.info["icc_profile"] = icc
    return out


def _open(fileobj: IO[bytes]) -> Image.Image:
    try:
        return Image.open(fileobj, formats=list(FORMATS))
    except Image.DecompressionBombError:
        # Pillow refuses past its own limit without saying the size; read the header ourselves so
        # that our limit (and our message) decides.
        fileobj.seek(0)
        prefix = fileobj.read(16)
        for fmt in FORMATS:
            factory, accept = Image.OPEN[fmt]
            if accept(prefix) is True:
                fileobj.seek(0)
                return factory(fileobj, "")
        raise


def _info(im: Image.Image) -> ImageInfo:
    width, height = im.size
    if _orientation(im) in (5, 6, 7, 8):  # rotated a quarter turn
        width, height = height, width
    return ImageInfo(format=_format(im), width=width, height=height, is_animated=_is_animated(im))


def _format(im: Image.Image) -> str:
    # Pillow names a JPEG carrying extra pictures (many cameras' "MPO") by its container.
    return "JPEG" if im.format == "MPO" else im.format


def _is_animated(im: Image.Image) -> bool:
    return _format(im) != "JPEG" and getattr(im, "is_animated", False)


def _orientation(im: Image.Image) -> int | None:
    # For a PNG, getexif() decodes the whole image to look for an eXIf chunk after the pixels; one
    # before them, where the PNG specification puts it, is read with the header.
    if im.format == "PNG" and "exif" not in im.info:
        return None
    return im.getexif().get(0x0112)


def _upright(im: Image.Image) -> bool:
    """Whether the image is displayed as stored: no EXIF rotation to apply (animations keep theirs)."""
    return _is_animated(im) or _orientation(im) in (None, 1)


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info


def _working_mode(im: Image.Image) -> str:
    """A mode that resamples smoothly and encodes to every output: RGB(A) or L(A)."""
    if im.mode in ("RGBA", "LA") or (im.mode in ("RGB", "L") and "transparency" not in im.info):
        return im.mode
    if im.mode == "1":
        return "L"
    return "RGBA" if _has_alpha(im) else "RGB"  # P, PA, CMYK, YCbCr, I;16 ...


def _encode(im: Image.Image, fmt: str, **options) -> bytes:
    if fmt == "JPEG":
        im = _for_jpeg(im)
    buffer = io.BytesIO()
    options = {**SAVE_OPTIONS[fmt], **options}
    if icc := im.info.get("icc_profile"):
        options["icc_profile"] = icc
    im.save(buffer, fmt, **options)
    return buffer.getvalue()


def _for_jpeg(im: Image.Image) -> Image.Image:
    """JPEG holds L, RGB or CMYK, and no alpha: flatten transparency onto white."""
    if _has_alpha(im):
        rgba = im.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return im if im.mode in ("L", "RGB") else im.convert("RGB")
