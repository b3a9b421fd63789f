from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from comics import selectors
from comics.models import Comic, Series
from tests import factories
from tests.comics_tests import bulk

pytestmark = pytest.mark.django_db


def _page_data(number: int):
    comic = selectors.comic_for_page(series_slug=None, number=number)
    list(comic.images.all()), list(comic.tags.all()), list(comic.characters.all())
    assert comic.chapter.get_absolute_url() == "/archive/chapter/part/"
    return comic, selectors.comic_neighbours(comic=comic)


def test_comic_page_data_takes_six_queries_cold_and_four_warm(series, django_assert_num_queries):
    chapter = factories.chapter(title="Part")
    for n in (1, 3, 5, 8):
        factories.comic(number=n, chapter=chapter if n >= 3 else None)
    # The comic, its images, tags, characters; the series' published order and its next schedule.
    with django_assert_num_queries(6):
        _page_data(5)
    with django_assert_num_queries(4):  # the worker now holds the published order
        comic, links = _page_data(5)
    assert {name: link.number if link else None for name, link in links.items()} == {
        "first": 1,
        "prev": 3,
        "next": 8,
        "last": 8,
        "chapter_start": 3,
        "prev_chapter": None,
        "next_chapter": None,
    }
    assert links["prev"].url == "/comic/3/comic-3/"
    assert links["chapter_start"].current is False


def test_a_comic_outside_chapters_has_no_chapter_links(series):
    factories.comic(number=1)
    comic = factories.comic(number=2)
    links = selectors.comic_neighbours(comic=comic)
    assert links["chapter_start"] is None and links["prev_chapter"] is None and links["next_chapter"] is None
    assert links["prev"].number == 1 and links["last"].current


def test_comic_for_page_is_none_for_unpublished_or_unknown_numbers(series):
    factories.draft_comic(number=1)
    factories.scheduled_comic(number=2)
    assert selectors.comic_for_page(series_slug=None, number=1) is None
    assert selectors.comic_for_page(series_slug=None, number=2) is None
    assert selectors.comic_for_page(series_slug=None, number=3) is None


def test_comics_before_pages_by_number_without_offset(series, django_assert_num_queries):
    bulk.comics(12, series=series)
    with django_assert_num_queries(2):
        page, next_before = selectors.comics_before(series=series, before=10, limit=4)
        [list(c.images.all()) for c in page]
    assert [c.number for c in page] == [9, 8, 7, 6]
    assert next_before == 6
    page, next_before = selectors.comics_before(series=series, before=3, limit=4)
    assert [c.number for c in page] == [2, 1]
    assert next_before is None


def test_comics_before_ends_exactly_at_the_first_comic(series):
    bulk.comics(8, series=series)
    page, next_before = selectors.comics_before(series=series, before=5, limit=4)
    assert [c.number for c in page] == [4, 3, 2, 1]
    assert next_before is None


def test_random_uses_no_order_by_random(series, django_assert_max_num_queries):
    bulk.comics(50, series=series)
    with django_assert_max_num_queries(2) as queries:
        url = selectors.comic_random_url(series=series)
    assert 1 <= int(url.split("/")[2]) <= 50
    sql = " ".join(q["sql"].upper() for q in queries.captured_queries)
    assert "RAND" not in sql
    assert "OFFSET" not in sql


def test_random_picks_only_published_comics_and_all_of_them(series):
    factories.comic(number=1, title="One")
    factories.draft_comic(number=2)
    factories.scheduled_comic(number=3)
    factories.comic(number=10, title="Ten")
    picks = {selectors.comic_random_url(series=series) for _ in range(60)}
    assert picks == {"/comic/1/one/", "/comic/10/ten/"}


def test_a_deleted_comic_leaves_the_published_order_at_once(series):
    for n in (1, 2, 3):
        factories.comic(number=n)
    assert selectors.published_order(series_id=series.pk).numbers == [1, 2, 3]
    Comic.objects.get(number=2).delete()
    assert selectors.published_order(series_id=series.pk).numbers == [1, 3]


def test_a_scheduled_comic_joins_the_published_order_at_its_time(series, monkeypatch):
    factories.comic(number=1)
    soon = timezone.now() + timedelta(minutes=5)
    factories.comic(number=2, publish_at=soon)
    assert selectors.published_order(series_id=series.pk).numbers == [1]
    monkeypatch.setattr(selectors.timezone, "now", lambda: soon + timedelta(seconds=1))
    assert selectors.published_order(series_id=series.pk).numbers == [1, 2]


def test_a_write_that_sent_no_signal_shows_within_the_maximum_age(series, monkeypatch):
    """Another process's write reaches a worker without a shared cache within ORDER_MAX_AGE."""
    factories.comic(number=1)
    factories.comic(number=2)
    assert selectors.published_order(series_id=series.pk).numbers == [1, 2]
    Comic.objects.filter(number=2).update(status=Comic.Status.DRAFT)  # no signal, as from elsewhere
    assert selectors.published_order(series_id=series.pk).numbers == [1, 2]
    later = timezone.now() + timedelta(seconds=selectors.ORDER_MAX_AGE + 1)
    monkeypatch.setattr(selectors.timezone, "now", lambda: later)
    assert selectors.published_order(series_id=series.pk).numbers == [1]


def test_archive_years_counts_published_comics_per_year_in_the_site_time_zone(series, settings):
    settings.TIME_ZONE = "UTC"
    zone = timezone.get_current_timezone()
    for n, year in enumerate([2020, 2020, 2021], start=1):
        factories.comic(number=n, publish_at=datetime(year, 3, 1, tzinfo=zone))
    factories.draft_comic(number=9, publish_at=datetime(2022, 1, 1, tzinfo=zone))
    assert selectors.archive_years(series=series) == [{"year": 2021, "count": 1}, {"year": 2020, "count": 2}]


def test_archive_chapters_count_only_published_comics_and_skip_empty_chapters(series):
    one, two = factories.chapter(title="One", position=1), factories.chapter(title="Two", position=2)
    factories.comic(number=1, chapter=one)
    factories.comic(number=2, chapter=one)
    factories.draft_comic(number=3, chapter=one)
    factories.scheduled_comic(number=4, chapter=two)
    chapters = selectors.archive_chapters(series=series)
    assert [(c.title, c.comic_count, c.first_comic.number) for c in chapters] == [("One", 2, 1)]


def test_cast_counts_published_appearances_and_finds_the_first(series):
    mimi = factories.character("Mimi")
    start = timezone.now() - timedelta(days=30)
    # Numbers and dates disagree on purpose: the first appearance is the earliest published.
    factories.comic(number=5, publish_at=start).characters.add(mimi)
    factories.comic(number=2, publish_at=start + timedelta(days=1)).characters.add(mimi)
    factories.draft_comic(number=1).characters.add(mimi)
    [character] = selectors.cast_list()
    assert character.appearance_count == 2
    assert character.first_appearance.number == 5


def test_other_series_list_only_series_with_published_comics(series):
    side = Series.objects.create(title="Side", slug="side")
    Series.objects.create(title="Empty", slug="empty")
    factories.comic(number=1, series=side)
    factories.comic(number=1)
    assert selectors.series_others(series=series) == [side]
    assert selectors.series_others(series=side) == [series]


def test_archive_years_follow_the_site_time_zone(series, settings):
    """A comic published at 23:30 UTC on New Year's Eve is next year's in Berlin."""
    settings.TIME_ZONE = "Europe/Berlin"
    factories.comic(number=1, publish_at=datetime(2020, 12, 31, 23, 30, tzinfo=UTC))
    factories.comic(number=2, publish_at=datetime(2020, 6, 1, tzinfo=UTC))
    assert selectors.archive_years(series=series) == [{"year": 2021, "count": 1}, {"year": 2020, "count": 1}]
