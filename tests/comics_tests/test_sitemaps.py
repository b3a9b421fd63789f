import xml.etree.ElementTree as ET

import pytest

from comics.models import Series
from tests import factories

pytestmark = pytest.mark.django_db
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def locations(client) -> list[str]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    return [loc.text for loc in ET.fromstring(response.content).iter(f"{SM}loc")]


def test_sitemap_lists_published_comics_chapters_tags_and_pages(client, series):
    chapter = factories.chapter(title="Beginnings")
    comic = factories.comic(number=1, title="Hello", chapter=chapter)
    comic.tags.add(factories.tag("cats"))
    urls = locations(client)
    for expected in [
        "http://testserver/comic/1/hello/",
        "http://testserver/archive/chapter/beginnings/",
        "http://testserver/tag/cats/",
        "http://testserver/",
        "http://testserver/archive/",
        "http://testserver/cast/",
    ]:
        assert expected in urls


def test_sitemap_leaves_out_unpublished_comics_and_what_only_they_have(client, series):
    chapter = factories.chapter(title="Secret chapter")
    factories.draft_comic(number=1, title="Draft", chapter=chapter).tags.add(factories.tag("secret"))
    factories.scheduled_comic(number=2, title="Soon")
    side = Series.objects.create(title="Side", slug="side")
    factories.draft_comic(number=1, series=side)
    text = " ".join(locations(client))
    for absent in ["/comic/", "secret-chapter", "/tag/secret/", "/s/side/"]:
        assert absent not in text


def test_sitemap_uses_site_url_when_set(client, series, settings):
    settings.SITE_URL = "https://comics.example.org"
    factories.comic(number=1, title="Hello")
    assert "https://comics.example.org/comic/1/hello/" in locations(client)


def test_sitemap_lists_other_series_homes(client, series):
    side = Series.objects.create(title="Side", slug="side")
    factories.comic(number=1, series=side, title="Aside")
    urls = locations(client)
    assert "http://testserver/s/side/" in urls
    assert "http://testserver/s/side/comic/1/aside/" in urls


def test_robots_txt_points_at_the_sitemap(client, series):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines
    assert "Disallow: /preview/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines
