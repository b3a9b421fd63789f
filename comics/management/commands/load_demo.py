"""Load the project's own demo comic, "Pip & Moss" (30 strips in 3 chapters), drawn with Pillow.

`make run` calls it with `--if-empty`: it then does nothing when any comic exists, so it is safe
to re-run. Without the flag it refuses to run on a database that has comics, so an author's own
comic is never mixed with the demo. Everything is created in one transaction: a crash leaves
nothing behind (image files already written are orphans, never rows without files).
"""

from datetime import date, datetime, time, timedelta

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from comics import demo
from comics.models import Chapter, Character, Comic, Series, Tag
from comics.services import comic_image_add


class Command(BaseCommand):
    help = "Load the demo comic (Pip & Moss) into an empty database."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when the database has comics.")

    def handle(self, *args, if_empty: bool, **options):
        if Comic.objects.exists():
            if if_empty:
                self.stdout.write("Comics exist already: demo content not loaded.")
                return
            raise CommandError("The database already has comics; the demo is only loaded into an empty one.")
        with transaction.atomic():
            count = self._load()
        self.stdout.write(
            self.style.SUCCESS(f"Loaded the demo comic: {count} strips in {len(demo.CHAPTERS)} chapters.")
        )

    def _load(self) -> int:
        series = Series.objects.get(is_default=True)
        chapters = [
            Chapter.objects.create(series=series, title=title, slug=slug, position=i + 1, description=text)
            for i, (title, slug, text, _) in enumerate(demo.CHAPTERS)
        ]
        characters = {
            code: Character.objects.create(name=name, slug=slug, bio=bio, code=code)
            for code, (name, slug, bio) in demo.CHARACTERS.items()
        }
        tags: dict[str, Tag] = {}
        strips = demo.strips()
        # Mon/Wed/Fri at 09:00 in the site's zone: all but the last two in the past, those two scheduled.
        scheduled = 2
        past = _weekdays(start=timezone.localdate() - timedelta(days=1), step=-1, count=len(strips) - scheduled)
        future = _weekdays(start=timezone.localdate() + timedelta(days=1), step=1, count=scheduled)
        days = sorted(past) + future
        for i, strip in enumerate(strips):
            publish_at = timezone.make_aware(datetime.combine(days[i], time(9, 0)))
            comic = Comic.objects.create(
                series=series,
                number=strip.number,
                slug=slugify(strip.title),
                title=strip.title,
                alt_text=strip.alt_text,
                description=strip.description,
                transcript=strip.transcript,
                note=strip.note,
                status=Comic.Status.PUBLISHED,
                publish_at=publish_at,
                chapter=chapters[strip.chapter_index],
            )
            comic_image_add(comic=comic, fileobj=ContentFile(strip.png), filename=f"pip-and-moss-{strip.number:03}.png")
            for name in strip.tags:
                if name not in tags:
                    tags[name] = Tag.objects.create(name=name, slug=slugify(name))
            comic.tags.set([tags[name] for name in strip.tags])
            comic.characters.set([characters[code] for code in strip.speakers])
        return len(strips)


def _weekdays(*, start: date, step: int, count: int) -> list[date]:
    """`count` Mondays, Wednesdays and Fridays from `start`, walking `step` days at a time."""
    days, day = [], start
    while len(days) < count:
        if day.weekday() in (0, 2, 4):
            days.append(day)
        day += timedelta(days=step)
    return days
