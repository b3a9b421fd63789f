from datetime import timedelta

from django.utils import timezone

from comics.models import Comic
from tests import factories


def test_published_excludes_drafts_and_scheduled_comics(series):
    visible = factories.comic(number=1)
    factories.draft_comic(number=2)
    factories.scheduled_comic(number=3)
    assert list(Comic.objects.published()) == [visible]


def test_scheduled_comic_becomes_published_at_its_time_without_a_job(series):
    comic = factories.scheduled_comic(number=1)
    later = comic.publish_at + timedelta(seconds=1)
    assert not Comic.objects.published().exists()
    assert list(Comic.objects.published(now=later)) == [comic]


def test_state_label_names_the_schedule(series):
    comic = factories.comic(number=1, publish_at=timezone.now() + timedelta(hours=2))
    assert comic.state_label.startswith("Scheduled for ")
    comic.status = Comic.Status.DRAFT
    assert comic.state_label == "Draft"
