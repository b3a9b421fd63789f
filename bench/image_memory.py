"""Peak memory of one image upload: `comic_image_add` on large images, each in a fresh process.

    .venv/bin/python bench/image_memory.py               # the images of DRAWN below
    .venv/bin/python bench/image_memory.py page.png ...  # files of your own

The images are drawn once into var/bench-images/ (panels and hatching on flat colours). Each upload
runs in a child process with an in-memory SQLite database and a temporary media folder, both
limits lifted so that every image is measured, not refused. The child prints its peak RSS during
the call, how far that rose above its RSS just before (what one upload costs a worker on top of
what it holds), and what `images.memory_needed` counted from the header: the figure compared with
IMAGE_MAX_MEMORY_MB. The peak is VmHWM, reset just before the call: a child's `ru_maxrss` also
counts the memory its parent had when it forked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "var" / "bench-images"
# name: (mode, size, Pillow save options); "orientation" adds an EXIF orientation tag.
DRAWN = {
    "rgb-39.9mp.png": ("RGB", (7300, 5465), {}),
    "rgba-39.9mp.png": ("RGBA", (7300, 5465), {}),
    "rgb-30mp.jpg": ("RGB", (6708, 4472), {"quality": 90}),
    "rgb-a4-300dpi.png": ("RGB", (2480, 3508), {}),
    "rgba-12mp.png": ("RGBA", (4000, 3000), {}),
    "palette-12mp.png": ("P", (4000, 3000), {}),
    "rgb-12mp-progressive.jpg": ("RGB", (4000, 3000), {"quality": 90, "progressive": True}),
    "rgb-12mp-turned.jpg": ("RGB", (4000, 3000), {"quality": 90, "orientation": 6}),
    "rgb-8mp.webp": ("RGB", (2400, 3400), {"quality": 85}),
}

CHILD = """
import io, json, os, sys, tempfile, time
import django
from django.conf import settings
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="taleas-image-bench-")
settings.IMAGE_MAX_MEGAPIXELS = settings.IMAGE_MAX_MEMORY_MB = 10_000
from comics.models import Comic, Series
from comics.services import comic_image_add

def status_mb(field):
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":")) / 1024

path = sys.argv[1]
data = open(path, "rb").read()
comic = Comic.objects.create(series=Series.objects.get(), number=1, title="Big", slug="big")
from comics import images
im, info = images._open(io.BytesIO(data)), None
info = images._info(im)
if info.format == "JPEG" and images._upright(im):
    im.draft(None, (images._widest(info), images._height(info, images._widest(info))))
estimate = images.memory_needed(im, info)[0] / 2**20
im.close()
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak (VmHWM) starts again from here
before = status_mb("VmRSS")
started = time.perf_counter()
comic_image_add(comic=comic, fileobj=io.BytesIO(data), filename=os.path.basename(path))
seconds = time.perf_counter() - started
print(json.dumps({"before": before, "peak": status_mb("VmHWM"), "seconds": seconds, "estimate": estimate}))
"""


def draw(path: Path, mode: str, size: tuple[int, int], options: dict) -> None:
    from PIL import Image, ImageDraw

    width, height = size
    im = Image.new("RGBA", size, (0, 0, 0, 0) if mode == "RGBA" else (255, 255, 255, 255))
    pen = ImageDraw.Draw(im)
    colours = [(240, 200, 160, 255), (120, 170, 230, 255), (250, 240, 120, 255), (160, 220, 150, 255)]
    for row in range(3):  # three tiers of two panels
        for col in range(2):
            box = (
                col * width // 2 + 40,
                row * height // 3 + 40,
                (col + 1) * width // 2 - 40,
                (row + 1) * height // 3 - 40,
            )
            pen.rectangle(box, fill=colours[(row + col) % 4], outline=(0, 0, 0, 255), width=12)
            for i in range(0, box[2] - box[0], 90):  # hatching, so the file is not trivially small
                pen.line((box[0] + i, box[1], box[0] + i // 2, box[3]), fill=(30, 30, 30, 255), width=4)
            inset = min(box[2] - box[0], box[3] - box[1]) // 4
            pen.ellipse(
                (box[0] + inset, box[1] + inset, box[2] - inset, box[3] - inset),
                fill=(255, 255, 255, 255),
                outline=(0, 0, 0, 255),
                width=8,
            )
    if mode == "P":
        im = im.convert("RGB").convert("P", palette=Image.Palette.ADAPTIVE)
    elif mode != "RGBA":
        im = im.convert(mode)
    if orientation := options.pop("orientation", None):
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif
    fmt = {".png": "PNG", ".jpg": "JPEG", ".webp": "WEBP"}[path.suffix]
    im.save(path, fmt, **options)


def measure(path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(DJANGO_SETTINGS_MODULE="taleas.settings", SQLITE_PATH=":memory:")
    result = subprocess.run([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"{path.name}: the child failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    paths = [Path(p) for p in sys.argv[1:]]
    if not paths:
        IMAGES.mkdir(parents=True, exist_ok=True)
        for name, (mode, size, options) in DRAWN.items():
            if not (IMAGES / name).exists():
                draw(IMAGES / name, mode, size, dict(options))
            paths.append(IMAGES / name)
    from PIL import Image

    print(f"{'image':<26} {'size':>11} {'MP':>5} {'file':>7} {'peak RSS':>8} {'rise':>6} {'counted':>7} {'time':>6}")
    for path in paths:
        with Image.open(path) as im:
            size, mode = im.size, im.mode
        figures = measure(path)
        print(
            f"{path.name:<26} {size[0]:>5}×{size[1]:<5} {size[0] * size[1] / 1e6:>5.1f} "
            f"{path.stat().st_size / 2**20:>5.1f}MB {figures['peak']:>6.0f}MB "
            f"{figures['peak'] - figures['before']:>4.0f}MB {figures['estimate']:>5.0f}MB {figures['seconds']:>5.2f}s"
        )


if __name__ == "__main__":
    main()
