"""The project's own demo comic, "Pip & Moss": 30 three-panel strips in 3 chapters, drawn with Pillow.

Everything here is ours: the script, the characters and the drawings. `load_demo` turns it into
rows and images through the same service an author's upload goes through.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

PANEL_W, PANEL_H, GUTTER = 400, 360, 16
WIDTH = PANEL_W * 3 + GUTTER * 4
HEIGHT = PANEL_H + GUTTER * 2

CHARACTERS = {
    "P": ("Pip", "pip", "A small, round, endlessly hopeful sprout. Waters things that do not need watering."),
    "M": (
        "Moss",
        "moss",
        "Pip's tall, patient neighbour. Has opinions about weather and very few about anything else.",
    ),
    "B": ("Biscuit", "biscuit", "A cat. Belongs to nobody, sits on everybody."),
}

CHAPTERS = [
    ("The Seed", "the-seed", "Pip finds a seed and decides, against all advice, to grow it.", (232, 244, 214)),
    ("Rain", "rain", "It rains for a week. Moss is delighted. Pip is not.", (214, 226, 240)),
    ("Bloom", "bloom", "Something finally comes up. It is not what anyone expected.", (250, 228, 214)),
]

# (title, tags, [(speaker, line) per panel], description of the action)
STRIPS: list[tuple[str, list[str], list[tuple[str, str]]]] = [
    ("A Seed", ["gardening"], [("P", "I found a seed!"), ("M", "What kind?"), ("P", "The hopeful kind.")]),
    ("Planning", ["gardening"], [("P", "It needs a pot."), ("M", "It needs soil."), ("P", "It needs a NAME.")]),
    ("Naming", ["gardening"], [("P", "I'll call it Gerald."), ("M", "It's a seed."), ("P", "Gerald the seed.")]),
    ("Water", ["gardening"], [("P", "Drink up, Gerald!"), ("M", "That's a lot of water."), ("P", "He's thirsty.")]),
    ("Patience", ["waiting"], [("P", "Is he growing?"), ("M", "It's been a minute."), ("P", "A LONG minute.")]),
    ("Night Watch", ["waiting"], [("P", "I'll stay up with him."), ("M", "Goodnight, Pip."), ("P", "Zzz...")]),
    ("Biscuit Arrives", ["cats"], [("B", "Mrrp."), ("P", "Not on Gerald!"), ("B", "...")]),
    ("Negotiation", ["cats"], [("P", "Please move."), ("B", "Mrrrp."), ("M", "She says no.")]),
    ("Sunbeam", ["cats", "waiting"], [("P", "Gerald needs sun."), ("B", "Mrrp."), ("M", "So does Biscuit.")]),
    ("Still Nothing", ["waiting"], [("P", "Anything?"), ("M", "Nothing."), ("P", "Gerald, I believe in you.")]),
    ("Clouds", ["weather"], [("M", "Rain's coming."), ("P", "How do you know?"), ("M", "My knees.")]),
    ("First Drop", ["weather"], [("P", "A drop!"), ("M", "Two drops."), ("P", "Gerald is SAVED.")]),
    ("Downpour", ["weather"], [("P", "It's a lot of rain."), ("M", "Isn't it lovely?"), ("P", "Gerald is swimming.")]),
    (
        "Umbrella",
        ["weather", "gardening"],
        [("P", "An umbrella for Gerald."), ("M", "He's a seed."), ("P", "A DRY seed.")],
    ),
    ("Day Three", ["weather", "waiting"], [("P", "Still raining."), ("M", "Wonderful."), ("P", "You're a moss.")]),
    ("Indoors", ["cats"], [("B", "Mrrp!"), ("P", "She's wet."), ("M", "She's on my bed.")]),
    ("Puddles", ["weather"], [("P", "Puddle!"), ("M", "Careful."), ("P", "*splash*")]),
    (
        "Doubts",
        ["waiting"],
        [("P", "What if he never grows?"), ("M", "Then he's a very good seed."), ("P", "...Thanks.")],
    ),
    ("Rainbow", ["weather"], [("M", "Look."), ("P", "Ooh."), ("B", "Mrrp.")]),
    ("Sun Again", ["weather"], [("P", "The sun!"), ("M", "Pity."), ("P", "Moss!")]),
    ("A Green Thing", ["gardening"], [("P", "MOSS."), ("M", "I see it."), ("P", "GERALD!!")]),
    ("Measuring", ["gardening"], [("P", "Two millimetres."), ("M", "Growing fast."), ("P", "He's a GIANT.")]),
    ("Leaves", ["gardening"], [("P", "Two leaves!"), ("M", "A proper plant."), ("P", "I'm so proud.")]),
    ("Biscuit Approves", ["cats"], [("B", "Mrrp."), ("P", "She likes him!"), ("M", "She's eating him.")]),
    ("Rescue", ["cats", "gardening"], [("P", "Not Gerald!"), ("B", "Mrrrp?"), ("M", "She only licked it.")]),
    ("Bud", ["gardening"], [("P", "There's a bud."), ("M", "Soon, then."), ("P", "I can't sleep.")]),
    ("Morning", ["gardening", "waiting"], [("P", "Is it open?"), ("M", "Not yet."), ("P", "Is it open NOW?")]),
    ("Bloom", ["gardening"], [("P", "It's open!"), ("M", "It's... a cactus."), ("P", "It's PERFECT.")]),
    ("Gerald", ["gardening"], [("P", "Hello, Gerald."), ("M", "Mind the spines."), ("P", "Ow. Worth it.")]),
    ("Next Year", ["gardening", "waiting"], [("P", "Another seed!"), ("M", "Oh no."), ("B", "Mrrp.")]),
]
STRIPS_PER_CHAPTER = 10


@dataclass
class DemoStrip:
    number: int
    title: str
    chapter_index: int
    tags: list[str]
    speakers: list[str]
    transcript: str
    alt_text: str
    description: str
    note: str
    png: bytes = field(repr=False, default=b"")


def _font(size: int) -> ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _draw_character(draw: ImageDraw.ImageDraw, code: str, x: int, ground: int, rng: random.Random) -> None:
    outline = (40, 40, 40)
    if code == "P":  # Pip: a round green sprout with a leaf
        r = 42
        draw.ellipse((x - r, ground - 2 * r, x + r, ground), fill=(126, 200, 80), outline=outline, width=3)
        draw.line((x, ground - 2 * r, x, ground - 2 * r - 22), fill=outline, width=3)
        draw.ellipse(
            (x, ground - 2 * r - 34, x + 26, ground - 2 * r - 16), fill=(90, 170, 60), outline=outline, width=2
        )
        eye_y = ground - r - 12
    elif code == "M":  # Moss: tall and soft-cornered
        draw.rounded_rectangle(
            (x - 36, ground - 170, x + 36, ground), radius=24, fill=(92, 130, 96), outline=outline, width=3
        )
        eye_y = ground - 135
    else:  # Biscuit: an orange loaf with ears
        draw.ellipse((x - 50, ground - 60, x + 50, ground), fill=(236, 160, 72), outline=outline, width=3)
        draw.polygon(
            [(x - 40, ground - 48), (x - 30, ground - 78), (x - 14, ground - 56)], fill=(236, 160, 72), outline=outline
        )
        draw.polygon(
            [(x + 40, ground - 48), (x + 30, ground - 78), (x + 14, ground - 56)], fill=(236, 160, 72), outline=outline
        )
        eye_y = ground - 38
    blink = rng.random() < 0.15
    for dx in (-12, 12):
        if blink:
            draw.line((x + dx - 5, eye_y, x + dx + 5, eye_y), fill=outline, width=3)
        else:
            draw.ellipse((x + dx - 5, eye_y - 5, x + dx + 5, eye_y + 5), fill=outline)


def _draw_bubble(draw: ImageDraw.ImageDraw, text: str, box: tuple[int, int, int, int], tail: tuple[int, int]) -> None:
    font = _font(22)
    left, top, right, _ = box
    words, lines, line = text.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) > right - left - 28 and line:
            lines.append(line)
            line = word
        else:
            line = trial
    lines.append(line)
    height = 16 + 28 * len(lines)
    bubble = (left, top, right, top + height)
    draw.polygon(
        [(tail[0] - 12, top + height - 2), (tail[0] + 12, top + height - 2), tail], fill="white", outline=(40, 40, 40)
    )
    draw.rounded_rectangle(bubble, radius=18, fill="white", outline=(40, 40, 40), width=2)
    for i, text_line in enumerate(lines):
        width = draw.textlength(text_line, font=font)
        draw.text(((left + right - width) / 2, top + 10 + 28 * i), text_line, fill=(20, 20, 20), font=font)


def draw_strip(panels: list[tuple[str, str]], background: tuple[int, int, int], seed: int) -> bytes:
    """A three-panel strip as PNG bytes: the speaker of each panel in front, the others behind."""
    rng = random.Random(seed)
    image = Image.new("RGB", (WIDTH, HEIGHT), (250, 250, 246))
    draw = ImageDraw.Draw(image)
    cast_in_strip = list(dict.fromkeys(code for code, _ in panels))
    for i, (speaker, line) in enumerate(panels):
        x0 = GUTTER + i * (PANEL_W + GUTTER)
        y0 = GUTTER
        draw.rectangle((x0, y0, x0 + PANEL_W, y0 + PANEL_H), fill=background, outline=(40, 40, 40), width=3)
        ground = y0 + PANEL_H - 30
        draw.line((x0 + 3, ground, x0 + PANEL_W - 3, ground), fill=(150, 130, 100), width=2)
        positions = {code: x0 + 110 + 180 * j for j, code in enumerate(cast_in_strip[:2])}
        positions.setdefault(speaker, x0 + PANEL_W // 2)
        for code, x in positions.items():
            _draw_character(draw, code, x, ground, rng)
        _draw_bubble(draw, line, (x0 + 24, y0 + 18, x0 + PANEL_W - 24, 0), (positions[speaker], y0 + 130))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def strips(*, with_images: bool = True) -> list[DemoStrip]:
    """The demo strips in order, with their PNG drawn when `with_images`."""
    result = []
    for index, (title, tags, panels) in enumerate(STRIPS):
        chapter_index = index // STRIPS_PER_CHAPTER
        names = {code: CHARACTERS[code][0] for code in CHARACTERS}
        transcript = "\n".join(f"Panel {i + 1}. {names[code]}: {line}" for i, (code, line) in enumerate(panels))
        speakers = list(dict.fromkeys(code for code, _ in panels))
        strip = DemoStrip(
            number=index + 1,
            title=title,
            chapter_index=chapter_index,
            tags=tags,
            speakers=speakers,
            transcript=transcript,
            alt_text=f"{names[panels[-1][0]]} has the last word, as usual.",
            description=f"Three panels with {', '.join(names[c] for c in speakers)}. " + transcript.replace("\n", " "),
            note=f"Strip {index + 1} of *Pip & Moss*, the demo comic that ships with Taleas." if index % 5 == 0 else "",
        )
        if with_images:
            strip.png = draw_strip(panels, CHAPTERS[chapter_index][3], seed=index)
        result.append(strip)
    return result
