"""Import an existing comic archive: `manage.py import_archive --format xkcd|mimi|folder PATH`.

    manage.py import_archive --format xkcd ../shared/data/xkcd/comics.jsonl --images ../shared/data/xkcd/images \
        --series xkcd --series-title xkcd
    manage.py import_archive --format mimi ../shared/data/mimi_and_eunice --series mimi --series-title "Mimi and Eunice"
    manage.py import_archive --format folder ~/old-site/comics --csv ~/old-site/titles.csv

Where. Comics go into the main series unless `--series SLUG` names another; that series is
created when it does not exist (titled `--series-title`, else after the slug), and the command
says so. An archive imported into a series of its own keeps its own numbers, navigation and feed,
and never collides with comics already there (such as the `make run` demo in the main series).

Design. An adapter in `comics/importers.py` reads the source into records without touching the
database; `ArchiveImport` writes them in batches of 500, each batch in one transaction (bulk
inserts and updates, the series' existing comics fetched once up front). Each comic remembers
where it came from (`source_id`, such as "xkcd:614"), a digest of its record (`source_hash`) and
a digest of each source value it was given (`extra["source_digests"]`):

- Safe to re-run. A comic is matched on its series and source id, so nothing is created twice. A
  record with the same digest is counted "unchanged" and not written. For a changed record, only
  the fields whose source value changed since the last import are written: an author who edited
  a comic's alt text keeps that edit when the source changes its title (the slug follows a title
  change; the old address redirects by number). Status, chapter and tags are never touched, nor
  the author's own images: an image is processed again only when the source's image changed.
- A crash mid-import leaves the batches already committed and nothing of the batch in progress
  (image files written for it may remain in storage, unreferenced). Running the same command again
  resumes: committed comics count as unchanged and the rest are created.

Counts. Every record is counted once, as created, updated, unchanged or failed, and the counts
match the rows: a failed record writes nothing. A bad record (broken JSON, a missing field, an
impossible date, a number already taken, an image file of a folder import that Pillow refuses) is
reported on stderr with its line number (or its file name) and reason, and the rest goes on. A
refused folder file leaves its number unused; once the file is replaced, a re-run adds it after
the last comic. With `--strict` the first bad record aborts: a bad line in the source is found
before anything is written; a refused image rolls back its batch (earlier batches stay).

Images. A comic whose image is not at hand is never dropped: it gets an image row with no file
(counted "missing") and, when the source gives the image's own address, that address; the admin
flags it as missing. A later run with the file present fills it in. An xkcd or Mimi image file
that is at hand but that Pillow refuses (corrupt, not an image) does not fail its record: the
comic is imported all the same (counted created or updated) with its image flagged missing (or
its current image kept), the file is counted "refused" and reported on stderr as a warning. A run
with the same file reports the comic unchanged; replace the file and run again to store it.

Exit status. 0 when every record was imported (warnings included); otherwise, after everything
else has been imported and committed and the counts printed, the command fails with "N records
failed; see the messages above" (status 1), so a script notices.

Imported comics are published on their original dates, as they were public already; `--draft`
imports new comics as drafts instead. Re-imports never change a comic's status.
"""

import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from comics import importers
from comics.models import Comic, Series


def existing_series() -> str:
    found = [f"{s.slug} ({s.title}{', the main series' if s.is_default else ''})" for s in Series.objects.all()]
    return f"Existing series: {', '.join(found)}." if found else "There is no series yet."


class Command(BaseCommand):
    help = "Import a comic archive (xkcd JSON, Mimi and Eunice records, or a folder of images). Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="comics.jsonl (xkcd), the data folder (mimi), or the image folder")
        parser.add_argument("--format", required=True, choices=sorted(importers.ADAPTERS))
        parser.add_argument("--images", type=Path, help="xkcd: folder of images named <num>.<ext>")
        parser.add_argument("--csv", type=Path, help="folder: CSV with columns filename,title,date[,alt]")
        parser.add_argument(
            "--series",
            help="Slug of the series to import into, created when it does not exist (default: the main series)",
        )
        parser.add_argument("--series-title", help="Title of the series --series creates (default: from the slug)")
        parser.add_argument("--draft", action="store_true", help="Import new comics as drafts instead of published")
        parser.add_argument("--strict", action="store_true", help="Abort at the first bad record")
        parser.add_argument("--limit", type=int, help="Import only the first N records")

    def handle(self, *args, path, format, images, csv, series, series_title, draft, strict, limit, **options):
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        if series_title and not series:
            raise CommandError(f"--series-title needs --series SLUG, the series to create. {existing_series()}")

        character_names = {}
        if format == "xkcd":
            if images and not images.is_dir():
                raise CommandError(f"{images} is not a folder")
            parsed, where = importers.parse_xkcd(path, images_dir=images), f"{path.name} line "
        elif format == "mimi":
            if not (path / "comics.jsonl").is_file():
                raise CommandError(f"{path} has no comics.jsonl")
            parsed, where = importers.parse_mimi(path), "comics.jsonl line "
            if (path / "characters_list.txt").exists():
                character_names = importers.parse_mimi_characters(path / "characters_list.txt")
        else:
            if not path.is_dir():
                raise CommandError(f"{path} is not a folder")
            if csv and not csv.is_file():
                raise CommandError(f"{csv} does not exist")
            # Every folder message names its file (or its CSV line): no position prefix.
            parsed, where = importers.parse_folder(path, csv_path=csv), None

        # The series last: a mistyped path leaves no empty series behind.
        if series:
            try:
                target, created = importers.series_get_or_create(slug=series, title=series_title or "")
            except ValidationError as exc:
                problem = " ".join(exc.messages)
                raise CommandError(f"cannot create series {series!r}: {problem} {existing_series()}") from None
            if created:
                self.stdout.write(f"Created series {target.slug!r} titled {target.title!r}.")
        else:
            target = Series.objects.filter(is_default=True).first()
            if target is None:
                raise CommandError(f"there is no main series; name one with --series SLUG. {existing_series()}")

        def describe(line_number: int, reason: str) -> str:
            return f"{where}{line_number}: {reason}" if where else reason

        progress = tqdm(unit=" comics", file=sys.stderr, disable=not sys.stderr.isatty(), total=limit)

        def report(line_number: int, reason: str) -> None:
            progress.clear()
            self.stderr.write(describe(line_number, reason))

        run = importers.ArchiveImport(
            series=target,
            status=Comic.Status.DRAFT if draft else Comic.Status.PUBLISHED,
            strict=strict,
            character_names=character_names,
            on_error=report,
            on_progress=progress.update,
        )
        try:
            counts = run.run(importers.take(parsed, limit))
        except importers.ImportAborted as exc:
            raise CommandError(f"{describe(exc.line_number, exc.reason)} (--strict: stopped here)") from None
        finally:
            progress.close()
        self.stdout.write(str(counts))
        if counts.failed:
            records = "record" if counts.failed == 1 else "records"
            raise CommandError(f"{counts.failed} {records} failed; see the messages above")
