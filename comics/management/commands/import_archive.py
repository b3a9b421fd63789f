"""Import an existing comic archive: `manage.py import_archive --format xkcd|mimi|folder PATH`.

    manage.py import_archive --format xkcd ../shared/data/xkcd/comics.jsonl --images ../shared/data/xkcd/images
    manage.py import_archive --format mimi ../shared/data/mimi_and_eunice/ --series mimi   # an existing series
    manage.py import_archive --format folder ~/old-site/comics --csv ~/old-site/titles.csv

Design. An adapter in `comics/importers.py` reads the source into records without touching the
database; `ArchiveImport` writes them in batches of 500, each batch in one transaction (bulk
inserts and updates, the series' existing comics fetched once up front). Each comic remembers
where it came from (`source_id`, such as "xkcd:614") and a digest of its record (`source_hash`):

- Safe to re-run. A comic is matched on its series and source id, so nothing is created twice. A
  record with the same digest is counted "unchanged" and not written; a changed record updates
  its comic's fields from the source (status, chapter, tags and images the author added are left
  alone). An image is processed again only when its bytes changed.
- A crash mid-import leaves the batches already committed and nothing of the batch in progress
  (image files written for it may remain in storage, unreferenced). Running the same command again
  resumes: committed comics count as unchanged and the rest are created.
- A bad record (broken JSON, a missing field, an impossible date, a number already taken, an image
  Pillow refuses) is reported on stderr with its line number and reason and the rest goes on. With
  `--strict` the first bad record aborts: a bad line in the source is found before anything is
  written; a refused image rolls back its batch (earlier batches stay). Without it, a comic whose
  image was refused is kept, flagged as missing its image, counted as failed, and tried again on
  the next run.
- A comic whose image is not at hand is never dropped: it gets an image row with no file and the
  image's source URL, which the admin flags as missing. A later run with the file present fills it in.
- Imported comics are published on their original dates, as they were public already; `--draft`
  imports new comics as drafts instead. Re-imports never change a comic's status.
"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from comics import importers
from comics.models import Comic, Series


class Command(BaseCommand):
    help = "Import a comic archive (xkcd JSON, Mimi and Eunice records, or a folder of images). Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="comics.jsonl (xkcd), the data folder (mimi), or the image folder")
        parser.add_argument("--format", required=True, choices=sorted(importers.ADAPTERS))
        parser.add_argument("--images", type=Path, help="xkcd: folder of images named <num>.<ext>")
        parser.add_argument("--csv", type=Path, help="folder: CSV with columns filename,title,date[,alt]")
        parser.add_argument("--series", help="Slug of an existing series to import into (default: the main series)")
        parser.add_argument("--draft", action="store_true", help="Import new comics as drafts instead of published")
        parser.add_argument("--strict", action="store_true", help="Abort at the first bad record")
        parser.add_argument("--limit", type=int, help="Import only the first N records")

    def handle(self, *args, path, format, images, csv, series, draft, strict, limit, **options):
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        try:
            target = Series.objects.get(slug=series) if series else Series.objects.get(is_default=True)
        except Series.DoesNotExist:
            raise CommandError(f"no series {series!r}" if series else "there is no default series") from None

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
