"""A draft or scheduled comic is invisible on every surface a reader can reach, and a scheduled
comic appears on every cached surface at its time without anything being saved."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from comics.models import Comic, Series
from tests import factories

pytestmark = pytest.mark.django_db

# Every name only the unpublished comic has (its title, tag, character, chapter) carries this word.
SECRET = "heron"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


def body(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def image_urls(image) -> list[str]:
    """The addresses of an image's original, srcset widths and thumbnail."""
    suffix = image.file.name.rsplit(".", 1)[1]
    keys = [f"original.{suffix}", "thumb.webp", f"thumb.{suffix}"]
    keys += [f"w{v['w']}.{kind}" for v in image.variants["widths"] for kind in ("webp", suffix)]
    return [image.url(key) for key in keys]


@pytest.fixture
def world(series):
    """Comics 1-4 published in 2020 and 2021 in "Open chapter", with tag "open" and character "Ollie"."""
    chapter = factories.chapter(title="Open chapter", position=1)
    tag, character = factories.tag("open"), factories.character("Ollie")
    dates = [datetime(2020, 3, 1, 12, tzinfo=UTC), datetime(2020, 6, 1, 12, tzinfo=UTC)]
    dates += [datetime(2021, 3, 1, 12, tzinfo=UTC), datetime(2021, 6, 1, 12, tzinfo=UTC)]
    comics = []
    for number, when in enumerate(dates, start=1):
        comic = factories.comic(number=number, title=f"Open {number}", chapter=chapter, publish_at=when)
        comic.tags.add(tag)
        comic.characters.add(character)
        comics.append(comic)
    factories.image(comic=comics[-1])
    return comics


@pytest.mark.parametrize("place", ["default series", "own series"])
@pytest.mark.parametrize("state", ["draft", "scheduled"])
def test_unpublished_comic_is_absent_from_every_surface(client, sitemap_locations, world, state, place):
    side = Series.objects.create(title="Side stories", slug="side") if place == "own series" else None
    home_series = side or world[0].series
    hidden_at = datetime(2011, 5, 1, 12, tzinfo=UTC) if state == "draft" else timezone.now() + timedelta(days=400)
    hidden = factories.comic(
        number=5,
        title="Hidden Heron",
        series=home_series,
        status=Comic.Status.DRAFT if state == "draft" else Comic.Status.PUBLISHED,
        publish_at=hidden_at,
        chapter=factories.chapter(title="Heron chapter", series=home_series, position=2),
    )
    hidden.tags.add(factories.tag("Heron tag"), *world[0].tags.all())
    hidden.characters.add(factories.character("Heron Keeper"), *world[0].characters.all())
    hidden_image = factories.image(comic=hidden)
    prefix = "/s/side" if side else ""
    hidden_year = hidden_at.year
    published = {comic.get_absolute_url() for comic in world}
    public_image = world[-1].images.get()

    def assert_hidden(text: str) -> None:
        assert SECRET not in text.lower()
        assert f"/img/{hidden_image.pk}/" not in text
        assert f"archive/{hidden_year}/" not in text
        if side:
            assert "Side stories" not in text and "/s/side/" not in text

    # Pages that show the published comics: the unpublished one is nowhere in them.
    pages = ["/", "/?before=99", "/?before=99&fragment=1", "/archive/", "/archive/2020/", "/archive/2021/"]
    pages += ["/archive/chapter/open-chapter/", "/tag/open/", "/cast/", "/cast/ollie/"]
    pages += ["/feed/rss/", "/feed/atom/", "/sitemap.xml", "/info.0.json", "/comic/4/info.0.json", *published]
    for url in pages:
        assert_hidden(body(client, url))

    # The hidden comic's own series, when it has one, is there but empty.
    if side:
        for url in ["/s/side/", "/s/side/?before=99&fragment=1", "/s/side/archive/"]:
            text = body(client, url)
            assert SECRET not in text.lower() and f"/img/{hidden_image.pk}/" not in text
            assert f"archive/{hidden_year}/" not in text
        for url in ["/s/side/feed/rss/", "/s/side/feed/atom/"]:
            assert SECRET not in body(client, url).lower()
        assert client.get("/s/side/info.0.json").status_code == 404
        assert client.get("/s/side/random/").status_code == 404

    # Its own addresses, and those of what only it has, are 404.
    gone = [hidden.get_absolute_url(), f"{prefix}/comic/5/", f"{prefix}/comic/5/info.0.json"]
    gone += [f"{prefix}/archive/{hidden_year}/", f"{prefix}/archive/chapter/heron-chapter/"]
    gone += ["/tag/heron-tag/", "/cast/heron-keeper/", *image_urls(hidden_image)]
    for url in gone:
        assert client.get(url).status_code == 404, url
    for url in image_urls(public_image):
        assert client.get(url).status_code == 200, url

    # Counts and firsts are those of the published comics alone.
    archive = body(client, "/archive/")
    assert re.findall(r'href="/archive/(\d+)/">\d+</a> <span class="muted">(\d+) comics?', archive) == [
        ("2021", "2"),
        ("2020", "2"),
    ]
    assert re.findall(r'<span class="card-title">([^<]+)</span>\s*<span class="card-meta">([^<]+)<', archive) == [
        ("Open chapter", "4 comics")
    ]
    cast = body(client, "/cast/")
    assert 'Appears in 4 comics · first in <a href="/comic/1/open-1/">#1' in cast
    assert 'Appearances <span class="muted">(4)</span>' in body(client, "/cast/ollie/")
    assert "4 comics" in body(client, "/tag/open/")

    # Home, the API and random know only comics 1-4.
    assert '<h1 id="comic-title" class="comic-title">Open 4</h1>' in body(client, "/")
    assert json.loads(body(client, "/info.0.json"))["num"] == 4
    landed = {client.get("/random/")["Location"] for _ in range(60)}
    assert landed <= published

    # The neighbouring published comic links nowhere past itself.
    neighbour = body(client, world[-1].get_absolute_url())
    assert set(re.findall(r'href="(/comic/[^"]+)"', neighbour)) <= published
    for name in ("next", "last", "next-chapter"):
        assert f'data-nav="{name}"' not in neighbour

    # Feeds and sitemap list exactly the published comics.
    feed_links = {item.findtext("link") for item in ET.fromstring(body(client, "/feed/rss/")).iter("item")}
    assert feed_links == {f"http://testserver{url}" for url in published}
    atom = ET.fromstring(body(client, "/feed/atom/"))
    assert {e.find(f"{ATOM}link").get("href") for e in atom.iter(f"{ATOM}entry")} == feed_links
    sitemap = set(sitemap_locations())
    expected = ["/", "/archive/", "/cast/", "/archive/chapter/open-chapter/", "/tag/open/", *published]
    assert sitemap == {f"http://testserver{url}" for url in expected}


@pytest.mark.parametrize(
    "url, shows",
    [
        ("/", '<h1 id="comic-title" class="comic-title">Sprout</h1>'),
        ("/comic/1/gerald/", 'href="/comic/2/sprout/" rel="next"'),
        ("/tag/garden/", "Sprout"),
        ("/feed/rss/", "<title>Sprout</title>"),
        ("/feed/atom/", "<title>Sprout</title>"),
        ("/info.0.json", '"title": "Sprout"'),
    ],
    ids=["home", "previous comic's next link", "tag page", "rss", "atom", "json api"],
)
def test_a_scheduled_comic_appears_on_a_cached_page_at_its_time_without_any_save(
    client, series, monkeypatch, url, shows
):
    garden = factories.tag("garden")
    factories.comic(number=1, title="Gerald").tags.add(garden)
    soon = timezone.now() + timedelta(minutes=10)
    factories.comic(number=2, title="Sprout", publish_at=soon).tags.add(garden)
    assert "Sprout" not in body(client, url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    later = soon + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    assert shows in response.content.decode()
