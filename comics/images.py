"""Verify uploaded images and render their srcset widths and thumbnail with Pillow.

Nothing here touches storage or the database (that is `services.comic_image_add`), so the same
checks serve comic images, chapter covers and character portraits.

An upload is trusted only once Pillow has decoded it: the format comes from the content, never
from the file name, and only PNG, JPEG, GIF and WebP are accepted. The declared size is read from
the header and checked against IMAGE_MAX_MEGAPIXELS *before* any pixel is decoded, so a tiny file
declaring 30000×30000 is refused with a message instead of exhausting a worker's memory. The file
is then decoded once and that one decode feeds every variant.
"""

from __future__ import annotations

import hashlib
import io
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
    """Raise ValidationError unless `fileobj` is a PNG, JPEG, GIF or WebP image within the size limit.

    For forms (chapter covers, character portraits, comic images): call it from `clean_<field>`,
    or pass it in a form field's `validators`. It decodes the image, and leaves the file at its start.
    """
    name = PurePosixPath(getattr(fileobj, "name", "") or "").name
    with open_verified(fileobj, name=name) as im:
        info = _info(im)
    fileobj.seek(0)
    return info


def open_verified(fileobj: IO[bytes], *, name: str = "") -> Image.Image:
    """Open and fully decode an upload, refusing anything but a sound raster image of allowed size."""
    label = f"“{name}”" if name else "This file"
    fileobj.seek(0)
    try:
        im = _open(fileobj)
    except (UnidentifiedImageError, *DECODE_ERRORS) as exc:
        raise ValidationError(
            "%(label)s is not a PNG, JPEG, GIF or WebP image. Export it in one of those formats and upload it again.",
            code="invalid_image",
            params={"label": label},
        ) from exc
    check_megapixels(im.size)
    try:
        _is_animated(im)  # reads (and caches) the frame headers before load(), not after
        im.load()
    except DECODE_ERRORS as exc:
        im.close()
        raise ValidationError(
            "%(label)s could not be read to the end: the image is damaged or incomplete. "
            "Export it again and upload it again.",
            code="corrupt_image",
            params={"label": label},
        ) from exc
    return im


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


def render(data: bytes, *, name: str = "") -> Rendition:
    """Verify `data` and make the srcset widths and the thumbnail, each in WebP and the original's format.

    Widths come from IMAGE_WIDTHS, only those narrower than the image (never upscaled). An animated
    image keeps its original untouched and gets no widths, only a still thumbnail of its first frame.
    GIF variants are written as PNG: resampled pixels do not fit a 256-colour palette.
    """
    im = open_verified(io.BytesIO(data), name=name)
    fmt, animated = _format(im), _is_animated(im)
    original = None
    if not animated and _orientation(im) not in (None, 1):
        im = ImageOps.exif_transpose(im)
        original = _encode(im, fmt, quality=92)
    info = ImageInfo(format=fmt, width=im.width, height=im.height, is_animated=animated)
    rendition = Rendition(info=info, original=original)

    base = _workable(im)
    variant_fmt = "PNG" if fmt == "GIF" else fmt
    if not animated:
        for width in sorted(w for w in settings.IMAGE_WIDTHS if w < info.width):
            rendition.widths.append(_add(rendition, base, f"w{width}", width, variant_fmt))
    rendition.thumb = _add(rendition, base, "thumb", min(settings.THUMBNAIL_WIDTH, info.width), variant_fmt)
    im.close()
    return rendition


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _add(rendition: Rendition, base: Image.Image, stem: str, width: int, fmt: str) -> dict:
    height = max(1, round(base.height * width / base.width))
    resized = (
        base
        if (width, height) == base.size
        else base.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=2.0)
    )
    webp, orig = f"{stem}.webp", f"{stem}.{FORMATS[fmt]}"
    rendition.files[webp] = _encode(resized, "WEBP")
    if orig != webp:
        rendition.files[orig] = _encode(resized, fmt)
    return {"w": width, "h": height, "webp": webp, "orig": orig}


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
    return im.getexif().get(0x0112)


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info


def _workable(im: Image.Image) -> Image.Image:
    """A mode that resamples smoothly and encodes to every output: RGB(A) or L(A)."""
    if im.mode in ("RGBA", "LA") or (im.mode in ("RGB", "L") and "transparency" not in im.info):
        return im
    if im.mode == "1":
        return im.convert("L")
    return im.convert("RGBA" if _has_alpha(im) else "RGB")  # P, PA, CMYK, YCbCr, I;16 ...


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
