import pytest

from comics.models import Series
from tests import factories

pytestmark = pytest.mark.django_db
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def test_sitemap_lists_published_comics_chapters_tags_and_pages(client, sitemap_locations, series):
    chapter = factories.chapter(title="Beginnings")
    comic = factories.comic(number=1, title="Hello", chapter=chapter)
    comic.tags.add(factories.tag("cats"))
    urls = sitemap_locations()
    for expected in [
        "http://testserver/comic/1/hello/",
        "http://testserver/archive/chapter/beginnings/",
        "http://testserver/tag/cats/",
        "http://testserver/",
        "http://testserver/archive/",
        "http://testserver/cast/",
    ]:
        assert expected in urls


def test_sitemap_leaves_out_unpublished_comics_and_what_only_they_have(client, sitemap_locations, series):
    chapter = factories.chapter(title="Secret chapter")
    factories.draft_comic(number=1, title="Draft", chapter=chapter).tags.add(factories.tag("secret"))
    factories.scheduled_comic(number=2, title="Soon")
    side = Series.objects.create(title="Side", slug="side")
    factories.draft_comic(number=1, series=side)
    text = " ".join(sitemap_locations())
    for absent in ["/comic/", "secret-chapter", "/tag/secret/", "/s/side/"]:
        assert absent not in text


def test_sitemap_uses_site_url_when_set(client, sitemap_locations, series, settings):
    settings.SITE_URL = "https://comics.example.org"
    factories.comic(number=1, title="Hello")
    assert "https://comics.example.org/comic/1/hello/" in sitemap_locations()


def test_sitemap_lists_other_series_homes(client, sitemap_locations, series):
    side = Series.objects.create(title="Side", slug="side")
    factories.comic(number=1, series=side, title="Aside")
    urls = sitemap_locations()
    assert "http://testserver/s/side/" in urls
    assert "http://testserver/s/side/comic/1/aside/" in urls


def test_robots_txt_points_at_the_sitemap(client, sitemap_locations, series):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /preview/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_a_large_archive_is_split_into_sitemap_pages_the_index_lists(client, sitemap_locations, series, monkeypatch):
    from comics.sitemaps import ComicSitemap

    monkeypatch.setattr(ComicSitemap, "limit", 2)
    for n in (1, 2, 3):
        factories.comic(number=n, title=f"Strip {n}")
    index = client.get("/sitemap.xml").content.decode()
    assert "http://testserver/sitemap-comics.xml?p=2" in index
    urls = sitemap_locations()
    assert {f"http://testserver/comic/{n}/strip-{n}/" for n in (1, 2, 3)} <= set(urls)
