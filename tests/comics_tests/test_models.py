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


def test_is_visible_agrees_with_published_for_every_state(series):
    """The admin's `is_visible` mirrors `published()`, the one definition readers go through."""
    now = timezone.now()
    cases = [
        factories.comic(number=1),
        factories.draft_comic(number=2),
        factories.scheduled_comic(number=3),
        factories.comic(number=4, publish_at=now - timedelta(seconds=1)),
        factories.draft_comic(number=5, publish_at=now - timedelta(days=3)),
    ]
    published = set(Comic.objects.published().values_list("pk", flat=True))
    assert {comic.pk for comic in cases if comic.is_visible} == published == {cases[0].pk, cases[3].pk}
