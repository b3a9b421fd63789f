"""Archive import: adapters that read an existing comic archive, and the batch writer behind
`manage.py import_archive` (whose docstring explains crashes and re-runs).

Each adapter is a pure function yielding `(line_number, Record | BadRecord)`: it reads files and
never touches the database, so a parser can be tested on its own and a bad line costs one record,
not the import. Text is kept as given; only what the source itself escaped is unescaped, once.

- `parse_xkcd`: xkcd's JSON API, one object per line. `number` is `num` (gaps such as 404 stay
  gaps). The title has its entities decoded once (`Clich&eacute;d` -> `Clichéd`, `D&D` stays), and
  inline HTML tags (xkcd #472's `<span style=...>`) are stripped; the title as given is kept in
  `Comic.extra["source_title"]`, so nothing is lost. `safe_title` is never used: xkcd
  builds it by deleting anything that looks like markup or an entity, which breaks "D&D Roll" and
  "<City>-Style Pizza" (`<City>` is not an HTML tag, so it stays). `alt` is HTML attribute text:
  entities decoded once. `transcript` is kept as given; `news` becomes the author's note (it is
  HTML, and the note is rendered through a sanitiser); `extra_parts` (raw HTML and scripts) goes
  into `Comic.extra` and is never rendered. Published at midnight, site time zone, on its date.
  `img` is the image's address, kept for a comic whose image is not at hand.
- `parse_mimi`: the Mimi and Eunice records. IDs are strings and are not unique as integers
  ("181" and its alternate "0181"), and URL dates do not follow ID order, so the number is the
  record's position in `comics.jsonl` (which is the order of the source's `sources.tsv`); the ID is
  kept in `source_id` ("mimi:0181"). Date and title come from the strip's URL
  (`.../YYYY/MM/DD/slug/`); that URL is the strip's web page, not its image, so it is the
  comic's `source_url` and a strip whose image is not at hand has no image address (the reader
  shows a placeholder linking to the page). The strips have no hover text: `alt_text` stays empty.
  The transcript is kept verbatim; the image's `description` is read from it (no ID line, no `}}`
  comments, no emphasis marks, speakers by name). The word-bubble file goes into `Comic.extra`.
  Speaker labels become characters named from `characters_list.txt`, except the labels that are
  not characters (sound effects, on-image labels, "unknown", "nobody").
- `parse_folder`: image files in natural name order (page2 before page10), with an optional CSV
  (`filename,title,date[,alt]`). New images are numbered after the series' last number. Without a
  date, the file's modification time is used; without a title, the file name. The image is the
  record here (`image_required`): a file Pillow refuses fails its record and makes no comic.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import json
import re
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import capfirst, slugify

from comics import links
from comics.models import Character, Comic, ComicImage, Series
from comics.services import comic_image_add, natural_key
from comics.signals import content_changed

IMAGE_SUFFIXES = links.IMAGE_SUFFIXES
# Part of every field's digest: bump it when the way records are read changes, so that a re-run
# rewrites every field of every comic instead of reporting it unchanged. 2: image addresses
# checked, Mimi descriptions, xkcd source titles. 3: a digest per field, so that a re-import writes
# only the fields whose source changed and keeps the author's edits to the others.
DIGEST_VERSION = 3


@dataclass
class Record:
    """One comic as an adapter read it, in the terms of the `Comic` model."""

    source_id: str
    title: str
    publish_at: datetime
    number: int | None = None  # None: the next free number in the series
    slug: str = ""
    alt_text: str = ""
    description: str = ""
    transcript: str = ""
    note: str = ""
    link: str = ""
    source_url: str = ""
    extra: dict = field(default_factory=dict)
    image_path: Path | None = None  # the image file, when it is at hand
    image_url: str = ""  # the image's own address (never a web page's), when it is not at hand
    # Speaker codes, in order of first appearance; None when the source knows nothing of characters.
    characters: tuple[str, ...] | None = None
    # True when the image is the record (a folder of images): a file Pillow refuses is then a
    # failed record and no comic, rather than a comic whose image is flagged missing.
    image_required: bool = False

    def __post_init__(self):
        if not self.slug:
            self.slug = (slugify(self.title) or f"comic-{self.number or ''}".rstrip("-"))[:200].strip("-")

    def comic_fields(self) -> dict:
        return {
            "title": self.title,
            "slug": self.slug,
            "publish_at": self.publish_at,
            "alt_text": self.alt_text,
            "description": self.description,
            "transcript": self.transcript,
            "note": self.note,
            "link": self.link,
            "source_url": self.source_url,
            "extra": self.extra,
        }

    def field_digests(self, image_sha256: str = "") -> dict[str, str]:
        """A short fingerprint of each source value the import writes (stored in
        `Comic.extra["source_digests"]`): a re-import writes a field only when its fingerprint changed."""
        values = {
            **self.comic_fields(),
            "publish_at": self.publish_at.isoformat(),
            "number": self.number,
            "characters": self.characters,
            "image": image_sha256 or self.image_url,
        }
        return {name: _short_digest(value) for name, value in values.items()}


def _short_digest(value) -> str:
    return hashlib.sha256(json.dumps([DIGEST_VERSION, value], sort_keys=True).encode()).hexdigest()[:16]


def record_digest(field_digests: dict[str, str]) -> str:
    """The whole record's fingerprint (`Comic.source_hash`): equal means nothing to do."""
    return hashlib.sha256(json.dumps(field_digests, sort_keys=True).encode()).hexdigest()


class BadRecord(Exception):
    """A record that cannot be imported; the message says why."""


Parsed = tuple[int, Record | BadRecord]


def _midnight(day: date, tz: str | None = None) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zoneinfo.ZoneInfo(tz or settings.TIME_ZONE))


def _json_lines(path: Path) -> Iterator[tuple[int, dict | BadRecord]]:
    # Iterating a text file splits on newlines only; str.splitlines() would also split on U+0085.
    with open(path, encoding="utf-8") as lines:
        for line_number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError as exc:
                yield line_number, BadRecord(f"invalid JSON: {exc}")
                continue
            yield line_number, data if isinstance(data, dict) else BadRecord("not a JSON object")


def _images_by_stem(folder: Path | None) -> dict[str, Path]:
    if folder is None:
        return {}
    return {p.stem: p for p in sorted(Path(folder).iterdir()) if p.suffix.lower() in IMAGE_SUFFIXES}


def _text(data: dict, key: str, *, required: bool = False) -> str:
    value = data.get(key, "")
    if required and key not in data:
        raise BadRecord(f"missing field {key!r}")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadRecord(f"field {key!r} is not a string")
    return value


# --- xkcd --------------------------------------------------------------------------------------------

# Tags of inline HTML elements only: "<City>-Style Pizza" is a title, not markup.
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|big|br|cite|code|del|em|font|i|ins|kbd|mark|q|s|small|span|strike|strong|sub|sup|tt|u)"
    r"(?:\s[^<>]*)?/?>",
    re.IGNORECASE,
)


def xkcd_title(title: str) -> str:
    """The plain-text title: inline tags stripped, then entities decoded once."""
    return html.unescape(_INLINE_TAG.sub("", title))


def xkcd_record(data: dict, *, images: dict[str, Path] | None = None, tz: str | None = None) -> Record:
    number = data.get("num")
    if type(number) is not int or number < 1:
        raise BadRecord("'num' is missing or not a positive whole number")
    try:
        day = date(int(data["year"]), int(data["month"]), int(data["day"]))
    except KeyError as exc:
        raise BadRecord(f"missing field {exc.args[0]!r}") from None
    except (TypeError, ValueError):
        raise BadRecord(f"invalid date {data.get('year')}-{data.get('month')}-{data.get('day')}") from None
    source_title = _text(data, "title", required=True)
    title = xkcd_title(source_title)
    if not title.strip():
        raise BadRecord("empty title")
    extra_parts = data.get("extra_parts")
    return Record(
        source_id=f"xkcd:{number}",
        number=number,
        title=title,
        publish_at=_midnight(day, tz),
        alt_text=html.unescape(_text(data, "alt")),
        transcript=_text(data, "transcript"),
        note=_text(data, "news"),
        link=_text(data, "link"),
        source_url=f"https://xkcd.com/{number}/",
        extra={"source_title": source_title, **({"extra_parts": extra_parts} if extra_parts else {})},
        image_path=(images or {}).get(str(number)),
        image_url=links.image_address(_text(data, "img")),
    )


def parse_xkcd(path: Path, *, images_dir: Path | None = None, tz: str | None = None) -> Iterator[Parsed]:
    """Records of an xkcd `comics.jsonl`; images from `images_dir/<num>.<ext>` when present."""
    images = _images_by_stem(images_dir)
    for line_number, data in _json_lines(Path(path)):
        if isinstance(data, BadRecord):
            yield line_number, data
            continue
        try:
            yield line_number, xkcd_record(data, images=images, tz=tz)
        except BadRecord as exc:
            yield line_number, exc


# --- Mimi and Eunice ---------------------------------------------------------------------------------

# Labels in characters_list.txt that mark text, not a speaker: they never become characters.
MIMI_NOT_CHARACTERS = {"SFX", "L", "U", "NOBODY"}
_MIMI_URL = re.compile(r"/(\d{4})/(\d{1,2})/(\d{1,2})/([^/?#]+)/?$")
_SPEAKER = re.compile(r"^([A-Z][A-Z0-9]*):")  # "}}E: ..." is a comment, not a line of dialogue
# How the description names what is said by a label that is not a character.
MIMI_LABELS = {"SFX": "Sound", "L": "Caption", "U": "Someone"}
# Emphasis marks: every asterisk (*bold*, *BLACK*-AND-*WHITE.*), then /italic/ and _underline_ marks
# at the edges of a word (*/_I_/*, /now.../), so "24/7" keeps its slash.
_EMPHASIS = re.compile(r"(?<!\S)[/_]+|[/_]+(?=[\s.,!?;:]|$)")
_LABEL_LIST = re.compile(r"[A-Z0-9]+(?:\t[A-Z0-9]+)+")  # a word-bubble file's "E<TAB>M" line


def parse_mimi_characters(path: Path) -> dict[str, str]:
    """Code -> name from the `LABEL: Name. Notes.` lines of characters_list.txt.

    The notes are the transcribers' guidelines, not biographies, so they are left out; so are the
    labels that are not characters.
    """
    names = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            match = re.match(r"([A-Z][A-Z0-9]*): (.+)", line.strip())
            if match and match.group(1) not in MIMI_NOT_CHARACTERS:
                names[match.group(1)] = match.group(2).partition(". ")[0].rstrip(".")
    return names


def mimi_speakers(transcript: str) -> tuple[str, ...]:
    codes = dict.fromkeys(m.group(1) for line in transcript.splitlines() if (m := _SPEAKER.match(line)))
    return tuple(code for code in codes if code not in MIMI_NOT_CHARACTERS)


def mimi_description(transcript: str, *, strip_id: str, names: dict[str, str] | None = None) -> str:
    """What the strip's image shows, for its alt attribute, read from the transcript.

    One line per balloon, "Eunice: CHEER UP, MIMI...": the ID line, `}}` comments and emphasis
    marks are left out and speaker labels become names. A strip without words says so.
    """
    names = {**(names or {}), **MIMI_LABELS}
    lines, speaker = [], ""
    for raw in transcript.splitlines():
        line = raw.partition("}}")[0].strip()
        if not line or line == strip_id or _LABEL_LIST.fullmatch(line):
            continue
        text = line  # a line without a label goes on with the last speaker's balloon
        if match := _SPEAKER.match(line):
            speaker, text = match.group(1), line[match.end() :]
        text = _EMPHASIS.sub("", text.replace("*", "")).strip()
        if text and speaker != "NOBODY":  # NOBODY marks a strip without words
            lines.append(f"{names.get(speaker, speaker)}: {text}" if speaker else text)
    return "\n".join(lines) or ("A strip without words." if transcript.strip() else "")


def mimi_record(
    data: dict,
    *,
    number: int,
    images: dict[str, Path] | None = None,
    names: dict[str, str] | None = None,
    tz: str | None = None,
) -> Record:
    strip_id = _text(data, "id", required=True)
    if not strip_id.strip():
        raise BadRecord("empty id")
    url = _text(data, "source", required=True)
    match = _MIMI_URL.search(url)
    if not match:
        raise BadRecord(f"source URL has no /YYYY/MM/DD/slug/: {url!r}")
    year, month, day, url_slug = match.groups()
    try:
        published = date(int(year), int(month), int(day))
    except ValueError:
        raise BadRecord(f"invalid date in source URL {url!r}") from None
    transcript = _text(data, "transcript")
    return Record(
        source_id=f"mimi:{strip_id}",
        number=number,
        title=" ".join(word.capitalize() for word in url_slug.split("-")),
        slug=slugify(url_slug)[:200],
        publish_at=_midnight(published, tz),
        description=mimi_description(transcript, strip_id=strip_id.strip(), names=names),
        transcript=transcript,
        source_url=url,
        extra={"word_bubbles": data["word_bubbles"]} if data.get("word_bubbles") else {},
        image_path=(images or {}).get(strip_id),
        characters=mimi_speakers(transcript),
    )


def parse_mimi(folder: Path, *, tz: str | None = None) -> Iterator[Parsed]:
    """Records of `folder/comics.jsonl`, numbered by their line; images from `folder/images/<id>.png`,
    speakers' names for the descriptions from `folder/characters_list.txt` when it is there."""
    folder = Path(folder)
    images = _images_by_stem(folder / "images") if (folder / "images").is_dir() else {}
    names = parse_mimi_characters(folder / "characters_list.txt") if (folder / "characters_list.txt").exists() else {}
    for line_number, data in _json_lines(folder / "comics.jsonl"):
        if isinstance(data, BadRecord):
            yield line_number, data
            continue
        try:
            yield line_number, mimi_record(data, number=line_number, images=images, names=names, tz=tz)
        except BadRecord as exc:
            yield line_number, exc


# --- A folder of images ------------------------------------------------------------------------------


def _csv_rows(path: Path) -> Iterator[tuple[int, dict]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or "filename" not in reader.fieldnames:
            raise BadRecord("the CSV needs a header row with a 'filename' column")
        for row in reader:
            yield reader.line_num, row


def _folder_date(value: str, tz: str | None) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadRecord(f"invalid date {value!r} (expected YYYY-MM-DD)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(tz or settings.TIME_ZONE))
    return moment


def parse_folder(folder: Path, *, csv_path: Path | None = None, tz: str | None = None) -> Iterator[Parsed]:
    """One record per image file, numbered by position in natural name order (CSV problems: by CSV line)."""
    files = sorted(
        (p for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
        key=lambda p: natural_key(p.name),
    )
    rows: dict[str, tuple[int, dict]] = {}
    if csv_path:
        try:
            for csv_line, row in _csv_rows(Path(csv_path)):
                rows[(row.get("filename") or "").strip()] = (csv_line, row)
        except BadRecord as exc:
            yield 1, exc
            return
    names = {p.name for p in files}
    for name, (csv_line, _row) in rows.items():
        if name not in names:
            yield csv_line, BadRecord(f"CSV line {csv_line}: no image file named {name!r} in the folder")
    for position, path in enumerate(files, 1):
        csv_line, row = rows.get(path.name, (None, {}))
        try:
            title = (row.get("title") or "").strip() or re.sub(r"[-_]+", " ", path.stem).strip() or path.stem
            if (row.get("date") or "").strip():
                publish_at = _folder_date(row["date"], tz)
            else:
                publish_at = datetime.fromtimestamp(
                    path.stat().st_mtime, tz=zoneinfo.ZoneInfo(tz or settings.TIME_ZONE)
                )
            yield (
                position,
                Record(
                    source_id=f"folder:{path.name}",
                    title=title,
                    publish_at=publish_at,
                    alt_text=row.get("alt") or "",
                    image_path=path,
                    image_required=True,
                ),
            )
        except BadRecord as exc:
            where = f"CSV line {csv_line}, " if csv_line else ""
            yield position, BadRecord(f"{where}{path.name}: {exc}")


ADAPTERS = {"xkcd": parse_xkcd, "mimi": parse_mimi, "folder": parse_folder}


def take(parsed: Iterable[Parsed], limit: int | None) -> Iterator[Parsed]:
    for index, item in enumerate(parsed):
        if limit is not None and index >= limit:
            return
        yield item


# --- Writing records ---------------------------------------------------------------------------------

COMIC_FIELDS = [
    "title",
    "slug",
    "publish_at",
    "alt_text",
    "description",
    "transcript",
    "note",
    "link",
    "source_url",
    "extra",
]


def series_get_or_create(*, slug: str, title: str = "") -> tuple[Series, bool]:
    """The series `slug`, and whether it was created just now.

    Side effects: creates the series when there is none with that slug, titled `title` (else after
    the slug: "mimi-and-eunice" -> "Mimi and eunice") and listed after the others. Raises
    ValidationError when `slug` is not a usable slug or the title is too long.
    """
    existing = Series.objects.filter(slug=slug).first()
    if existing is not None:
        return existing, False
    last = Series.objects.aggregate(last=Max("position"))["last"]
    series = Series(
        slug=slug,
        title=title.strip() or capfirst(re.sub(r"[-_]+", " ", slug).strip()),
        position=0 if last is None else last + 1,
    )
    series.full_clean()
    series.save()
    return series, True


@dataclass
class ImportCounts:
    """Each record is counted once: created, updated, unchanged or failed (a failed record wrote
    nothing). Images: `stored` (files added), `missing` (comics given a placeholder because no file
    was at hand) and `refused` (files at hand that Pillow refused, for records that are good without
    them: their comics were imported and keep their current image or a placeholder)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    images_stored: int = 0
    images_missing: int = 0
    images_refused: int = 0

    def __str__(self) -> str:
        refused = f", refused {self.images_refused}" if self.images_refused else ""
        return (
            f"created {self.created}, updated {self.updated}, unchanged {self.unchanged}, failed {self.failed} "
            f"(images stored {self.images_stored}, missing {self.images_missing}{refused})"
        )


class ImportAborted(Exception):
    """Raised in strict mode at the first bad record."""

    def __init__(self, line_number: int, reason: str):
        super().__init__(f"line {line_number}: {reason}")
        self.line_number, self.reason = line_number, reason


@dataclass
class _Known:
    """A comic already in the series, as far as the import needs to know it."""

    id: int
    number: int
    source_hash: str
    number_digest: str | None  # the digest of the source's number when it was last imported


@dataclass
class _Plan:
    line_number: int
    record: Record
    number: int
    digests: dict[str, str]
    digest: str
    image_bytes: bytes | None
    image_sha256: str
    known: _Known | None
    changed: set[str] = field(default_factory=set)  # the fields whose source value changed (all, when new)


class ArchiveImport:
    """Writes parsed records into a series in batches, one transaction per batch.

    Comics are matched on (series, source_id). A record whose digest equals the stored
    `source_hash` is skipped without a write. For any other known comic, only the fields whose
    source value changed since the last import are written (per-field digests in
    `Comic.extra["source_digests"]`), so the author's edits to the others stay; its status, tags
    and chapter are never touched. The rest are created with `status`. An image is processed only
    when the source's image changed and its bytes differ from the comic's current first image.
    """

    def __init__(
        self,
        *,
        series: Series,
        status: str,
        strict: bool = False,
        character_names: dict[str, str] | None = None,
        batch_size: int = 500,
        on_error: Callable[[int, str], None] = lambda line_number, reason: None,
        on_progress: Callable[[int], None] = lambda done: None,
    ):
        self.series, self.status, self.strict = series, status, strict
        self.character_names = character_names or {}
        self.batch_size, self.on_error, self.on_progress = batch_size, on_error, on_progress
        self.counts = ImportCounts()
        self.known: dict[str, _Known] = {}
        self.numbers: dict[int, int | None] = {}  # number -> comic id (None: taken by this run)
        for pk, number, source_id, source_hash, number_digest in Comic.objects.filter(series=series).values_list(
            "id", "number", "source_id", "source_hash", "extra__source_digests__number"
        ):
            self.numbers[number] = pk
            if source_id:
                self.known[source_id] = _Known(pk, number, source_hash, number_digest)
        self.last_number = max(self.numbers, default=0)
        self.seen: dict[str, int] = {}
        self.character_ids: dict[str, int] = {}

    def run(self, parsed: Iterable[Parsed]) -> ImportCounts:
        if self.strict:
            # Read everything first: a bad line aborts before anything is written.
            parsed = list(parsed)
            for line_number, item in parsed:
                if isinstance(item, BadRecord):
                    raise ImportAborted(line_number, str(item))
        batch: list[_Plan] = []
        for line_number, item in parsed:
            plan = self._plan(line_number, item)
            if plan is not None:
                batch.append(plan)
            if len(batch) >= self.batch_size:
                self._write(batch)
                batch = []
        if batch:
            self._write(batch)
        return self.counts

    def _fail(self, line_number: int, reason: str, done: int = 1) -> None:
        if self.strict:
            raise ImportAborted(line_number, reason)
        self.counts.failed += 1
        self.on_error(line_number, reason)
        self.on_progress(done)

    def _plan(self, line_number: int, item: Record | BadRecord) -> _Plan | None:
        if isinstance(item, BadRecord):
            return self._fail(line_number, str(item))
        record = item
        if problem := _unstorable(record):
            return self._fail(line_number, f"{problem} ({record.source_id})")
        if record.source_id in self.seen:
            return self._fail(
                line_number, f"{record.source_id} was already imported from line {self.seen[record.source_id]}"
            )
        self.seen[record.source_id] = line_number
        image_bytes, image_sha256 = None, ""
        if record.image_path is not None:
            try:
                image_bytes = Path(record.image_path).read_bytes()
            except OSError as exc:
                return self._fail(line_number, f"cannot read {record.image_path}: {exc.strerror}")
            image_sha256 = hashlib.sha256(image_bytes).hexdigest()
        digests = record.field_digests(image_sha256)
        digest = record_digest(digests)
        known = self.known.get(record.source_id)
        if known is not None and known.source_hash == digest:
            self.counts.unchanged += 1
            self.on_progress(1)
            return None
        if known is not None and (record.number is None or known.number_digest == digests["number"]):
            number = known.number  # the source's number has not changed: the author's numbering stands
        elif record.number is not None:
            number = record.number
        else:
            number = self.last_number + 1
        if number in self.numbers and (known is None or self.numbers[number] != known.id):
            return self._fail(
                line_number,
                f"number {number} is already used by another comic in {self.series} ({record.source_id}); "
                "to import into a series of its own, use --series",
            )
        # A number a comic leaves stays taken until the next run: one UPDATE renumbering several
        # rows could otherwise collide with itself half-way.
        self.numbers[number] = known.id if known else None
        self.last_number = max(self.last_number, number)
        return _Plan(line_number, record, number, digests, digest, image_bytes, image_sha256, known)

    def _write(self, batch: list[_Plan]) -> None:
        with transaction.atomic():
            content_changed()  # bulk writes send no signals; readers' caches must still notice
            self._ensure_characters({code for plan in batch for code in plan.record.characters or ()})
            comics = self._create([plan for plan in batch if plan.known is None])
            comics |= self._apply_changes([plan for plan in batch if plan.known is not None])
            refused = self._store_images(batch, comics)
            # A refused file that is the record itself (a folder of images) fails the record, which
            # then writes nothing: its new comic is removed again, an existing one is not updated.
            failed = {p.line_number for p in batch if p.record.image_required and p.line_number in refused}
            Comic.objects.filter(
                pk__in=[comics[p.record.source_id].pk for p in batch if p.known is None and p.line_number in failed]
            ).delete()
            kept = [plan for plan in batch if plan.line_number not in failed]
            self._save_changes([plan for plan in kept if plan.known is not None], comics)
            self._link_characters(kept, comics)
        for plan in batch:
            if plan.line_number in failed:
                self._fail(plan.line_number, refused[plan.line_number], done=0)
                continue
            comic = comics[plan.record.source_id]
            self.known[plan.record.source_id] = _Known(comic.pk, plan.number, plan.digest, plan.digests["number"])
            self.numbers[plan.number] = comic.pk
            if plan.line_number in refused:
                self.on_error(plan.line_number, f"warning: {refused[plan.line_number]}")
            if plan.known is None:
                self.counts.created += 1
            elif plan.changed:
                self.counts.updated += 1
            else:
                self.counts.unchanged += 1
        self.on_progress(len(batch))

    def _create(self, plans: list[_Plan]) -> dict[str, Comic]:
        for plan in plans:
            plan.changed = set(plan.digests)
        created = Comic.objects.bulk_create(
            [
                Comic(
                    series=self.series,
                    number=plan.number,
                    status=self.status,
                    source_id=plan.record.source_id,
                    source_hash=plan.digest,
                    **{**plan.record.comic_fields(), "extra": {**plan.record.extra, "source_digests": plan.digests}},
                )
                for plan in plans
            ]
        )
        return {plan.record.source_id: comic for plan, comic in zip(plans, created, strict=True)}

    def _apply_changes(self, plans: list[_Plan]) -> dict[str, Comic]:
        """The known comics, with the fields whose source value changed since the last import set
        from the record (in memory; `_save_changes` writes them). Other fields keep what the author
        made of them. A comic imported before per-field digests has none: every field is written."""
        if not plans:
            return {}
        current = Comic.objects.in_bulk([plan.known.id for plan in plans])
        now, comics = timezone.now(), {}
        for plan in plans:
            comic = current[plan.known.id]
            stored = (comic.extra or {}).get("source_digests") or {}
            plan.changed = {name for name, digest in plan.digests.items() if stored.get(name) != digest}
            values = plan.record.comic_fields()
            for name in plan.changed.intersection(COMIC_FIELDS):
                setattr(comic, name, values[name])
            comic.extra = {**(comic.extra or {}), "source_digests": plan.digests}
            comic.number, comic.source_hash = plan.number, plan.digest
            if plan.changed:
                comic.updated_at = now
            comics[plan.record.source_id] = comic
        return comics

    def _save_changes(self, plans: list[_Plan], comics: dict[str, Comic]) -> None:
        fields = {name for plan in plans for name in plan.changed}.intersection(COMIC_FIELDS)
        Comic.objects.bulk_update(
            [comics[plan.record.source_id] for plan in plans],
            sorted(fields | {"extra", "number", "source_hash", "updated_at"}),
        )

    def _ensure_characters(self, codes: set[str]) -> None:
        missing = codes - self.character_ids.keys()
        if not missing:
            return
        # Matched on code and name: another comic's "M" (say, the demo's Moss) is not Mimi.
        for pk, code, name in (
            Character.objects.filter(code__in=missing).order_by("id").values_list("id", "code", "name")
        ):
            if name == self.character_names.get(code, code):
                self.character_ids.setdefault(code, pk)
        slugs = set(Character.objects.values_list("slug", flat=True))
        for code in sorted(missing - self.character_ids.keys()):
            name = self.character_names.get(code, code)
            base = slugify(name) or slugify(code) or "character"
            slug = next(s for s in (base, *(f"{base}-{n}" for n in range(2, 1000))) if s not in slugs)
            slugs.add(slug)
            self.character_ids[code] = Character.objects.create(name=name, slug=slug, code=code).pk

    def _link_characters(self, batch: list[_Plan], comics: dict) -> None:
        through = Comic.characters.through
        managed = [plan for plan in batch if plan.record.characters is not None and "characters" in plan.changed]
        if not managed:
            return
        # Only links to the characters this import manages are replaced; the author's own stay.
        through.objects.filter(
            comic_id__in=[comics[p.record.source_id].pk for p in managed if p.known is not None],
            character_id__in=self.character_ids.values(),
        ).delete()
        through.objects.bulk_create(
            [
                through(comic_id=comics[plan.record.source_id].pk, character_id=self.character_ids[code])
                for plan in managed
                for code in plan.record.characters
            ]
        )

    def _store_images(self, batch: list[_Plan], comics: dict) -> dict[int, str]:
        """Give each comic whose source image changed its first image; returns line number -> reason
        for the files Pillow refused."""
        todo = [plan for plan in batch if "image" in plan.changed]
        firsts = {
            image.comic_id: image
            for image in ComicImage.objects.filter(
                comic_id__in=[p.known.id for p in todo if p.known is not None], position=0
            ).order_by("-id")
        }
        placeholders, retargeted, stale, refused = [], [], [], {}
        for plan in todo:
            comic = comics[plan.record.source_id]
            current = firsts.get(comic.pk)
            if plan.image_bytes is None:
                if current is None:
                    placeholders.append(ComicImage(comic=comic, position=0, source_url=plan.record.image_url))
                    self.counts.images_missing += 1
                elif current.is_missing and current.source_url != plan.record.image_url:
                    # An earlier run may have kept a web page's address here; this clears it.
                    current.source_url = plan.record.image_url
                    retargeted.append(current)
                # A stored image is never replaced by a placeholder: the author may have uploaded it.
                continue
            if current is not None and current.sha256 == plan.image_sha256:
                continue
            try:
                comic_image_add(
                    comic=comic, fileobj=io.BytesIO(plan.image_bytes), filename=plan.record.image_path.name, position=0
                )
            except ValidationError as exc:
                reason = f"image {plan.record.image_path.name}: {' '.join(exc.messages)}"
                if self.strict:
                    raise ImportAborted(plan.line_number, reason) from exc  # rolls this batch back
                if plan.record.image_required:
                    refused[plan.line_number] = f"{reason} (no comic imported for it)"
                    continue
                self.counts.images_refused += 1
                if current is None:
                    placeholders.append(ComicImage(comic=comic, position=0, source_url=plan.record.image_url))
                    refused[plan.line_number] = f"{reason} The comic is imported with its image flagged missing."
                else:
                    refused[plan.line_number] = f"{reason} The comic keeps its current image."
                continue
            self.counts.images_stored += 1
            if current is not None:
                stale.append(current)
        ComicImage.objects.bulk_create(placeholders)
        ComicImage.objects.bulk_update(retargeted, ["source_url"])
        if stale:
            ComicImage.objects.filter(pk__in=[image.pk for image in stale]).delete()
            paths = [path for image in stale for path in _stored_paths(image)]
            transaction.on_commit(lambda: _delete_files(paths))
        return refused


def _unstorable(record: Record) -> str:
    """Why the database would refuse this record (too long, unencodable text), or ""."""
    for name, value in record.comic_fields().items():
        if not isinstance(value, str):
            continue
        limit = Comic._meta.get_field(name).max_length
        if limit and len(value) > limit:
            return f"{name} is longer than {limit} characters"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"{name} contains an unpaired surrogate (mis-encoded text)"
    return ""


def _delete_files(paths: list[str]) -> None:
    for path in paths:
        default_storage.delete(path)


def _stored_paths(image: ComicImage) -> list[str]:
    variants = image.variants or {}
    entries = [*variants.get("widths", []), *([variants["thumb"]] if variants.get("thumb") else [])]
    return [p for p in (image.file.name, *(e.get(k) for e in entries for k in ("webp", "orig"))) if p]
