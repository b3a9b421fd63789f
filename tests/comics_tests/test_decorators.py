from datetime import timedelta

from django.test import Client
from django.utils import timezone

from comics import signals
from comics.models import Comic
from tests import factories


def test_a_reader_page_is_rendered_once_then_served_from_the_cache(client, series, django_assert_num_queries):
    factories.comic(number=1, title="Gerald")
    first = client.get("/comic/1/gerald/")
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        again = client.get("/comic/1/gerald/")
    assert again["X-Page-Cache"] == "hit"
    assert again.content == first.content
    assert again["Content-Type"] == "text/html; charset=utf-8"


def test_an_edit_shows_at_once_on_a_cached_page(client, series):
    comic = factories.comic(number=1, title="Gerald")
    client.get("/comic/1/gerald/")
    comic.alt_text = "A brand new hover text"
    comic.save()
    response = client.get("/comic/1/gerald/")
    assert response["X-Page-Cache"] == "miss"
    assert "A brand new hover text" in response.content.decode()


def test_a_new_comic_shows_at_once_on_the_cached_previous_page(client, series):
    factories.comic(number=1, title="Gerald")
    assert "/comic/2/" not in client.get("/comic/1/gerald/").content.decode()
    factories.comic(number=2, title="Sprout")
    assert "/comic/2/sprout/" in client.get("/comic/1/gerald/").content.decode()


def test_a_scheduled_comic_appears_on_the_cached_home_page_at_its_time(client, series, monkeypatch):
    factories.comic(number=1, title="Gerald")
    soon = timezone.now() + timedelta(minutes=10)
    factories.comic(number=2, title="Sprout", publish_at=soon)
    assert "Sprout" not in client.get("/").content.decode()
    assert client.get("/")["X-Page-Cache"] == "hit"
    later = soon + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = client.get("/")
    assert response["X-Page-Cache"] == "miss"
    assert "Sprout" in response.content.decode()


def test_a_bulk_write_that_announces_itself_shows_at_once(client, series):
    factories.comic(number=1, title="Gerald")
    client.get("/comic/1/gerald/")
    Comic.objects.filter(number=1).update(title="Gerald the Great")
    signals.content_changed()  # what the importer does after its bulk writes
    assert "Gerald the Great" in client.get("/comic/1/gerald/").content.decode()


def test_requests_with_a_session_are_never_served_from_or_stored_in_the_cache(staff_client, series):
    factories.comic(number=1, title="Gerald")
    assert "X-Page-Cache" not in staff_client.get("/comic/1/gerald/")
    assert Client().get("/comic/1/gerald/")["X-Page-Cache"] == "miss"


def test_not_found_pages_are_not_cached(client, series):
    assert client.get("/comic/5/nothing/").status_code == 404
    factories.comic(number=5, title="Nothing")
    assert client.get("/comic/5/nothing/").status_code == 200


def test_the_page_cache_can_be_turned_off(client, series, settings, django_assert_num_queries):
    settings.PAGE_CACHE_SECONDS = 0
    factories.comic(number=1, title="Gerald")
    client.get("/comic/1/gerald/")
    with django_assert_num_queries(4):  # the comic, its images, tags and characters, every time
        response = client.get("/comic/1/gerald/")
    assert "X-Page-Cache" not in response


def test_http_and_https_pages_are_cached_apart(client, series):
    """Absolute URLs in a page follow its scheme when SITE_URL is unset."""
    factories.comic(number=1, title="Gerald")
    assert 'content="http://testserver/' in client.get("/comic/1/gerald/").content.decode()
    secure = client.get("/comic/1/gerald/", secure=True)
    assert secure["X-Page-Cache"] == "miss"
    assert 'content="https://testserver/' in secure.content.decode()


def test_query_parameters_no_page_reads_share_one_cache_entry(client, series):
    factories.comic(number=1, title="Gerald")
    client.get("/comic/1/gerald/")
    tracked = client.get("/comic/1/gerald/?utm_source=newsletter&fbclid=abc")
    assert tracked["X-Page-Cache"] == "hit"


def test_query_parameters_a_page_reads_are_cached_apart(client, series):
    for n in range(1, 9):
        factories.comic(number=n)
    client.get("/")
    older = client.get("/?before=4")
    assert older["X-Page-Cache"] == "miss"
    assert "/comic/3/" in older.content.decode()


def test_a_cache_value_of_another_layout_is_recomputed_not_a_500(client, series):
    """A value left in Redis by an older release (or evicted half-way) never breaks a page."""
    from django.core.cache import cache

    factories.comic(number=1, title="Gerald")
    cache.set(signals.NEXT_PUBLISH_KEY, ("old", None), timeout=None)
    assert client.get("/comic/1/gerald/").status_code == 200
    cache.set(signals.NEXT_PUBLISH_KEY, "garbage", timeout=None)
    assert client.get("/").status_code == 200
