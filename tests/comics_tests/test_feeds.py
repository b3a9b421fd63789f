"""RSS 2.0 and Atom feeds, parsed as a feed reader would parse them."""

import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from comics.models import Series
from tests import factories
from tests.comics_tests import bulk

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def rss_items(client, url="/feed/rss/") -> list[ET.Element]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    return ET.fromstring(response.content).findall("./channel/item")


def atom_entries(client, url="/feed/atom/") -> list[ET.Element]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content).findall(f"{ATOM}entry")


def test_rss_lists_the_latest_20_published_comics_newest_first(client, series):
    bulk.comics(25, series=series)
    factories.draft_comic(number=100, title="Draft")
    factories.scheduled_comic(number=101, title="Scheduled")
    items = rss_items(client)
    assert [item.findtext("title") for item in items] == [f"Comic {n}" for n in range(25, 5, -1)]


def test_rss_links_are_absolute_and_point_at_the_permalink(client, series):
    factories.comic(number=7, title="Tea time")
    channel = ET.fromstring(client.get("/feed/rss/").content).find("channel")
    assert channel.findtext("link") == "http://testserver/"
    assert channel.find("item").findtext("link") == "http://testserver/comic/7/tea-time/"


def test_site_url_setting_is_used_for_absolute_addresses(client, series, settings):
    settings.SITE_URL = "https://comics.example.org"
    image = factories.image(comic=factories.comic(number=7, title="Tea time"))
    item = rss_items(client)[0]
    assert item.findtext("link") == "https://comics.example.org/comic/7/tea-time/"
    assert item.find("enclosure").get("url") == f"https://comics.example.org/img/{image.pk}/original.png"
    assert 'src="https://comics.example.org/img/' in item.findtext("description")


def test_the_image_is_an_enclosure_with_its_real_length_and_type(client, series):
    comic = factories.comic(number=1)
    image = factories.image(comic=comic, fmt="JPEG")
    enclosure = rss_items(client)[0].find("enclosure")
    assert enclosure.get("url") == f"http://testserver/img/{image.pk}/original.jpg"
    assert enclosure.get("type") == "image/jpeg"
    assert int(enclosure.get("length")) == image.size == len(client.get(image.url()).getvalue())


def test_description_shows_the_image_and_alt_text_escaped(client, series):
    comic = factories.comic(number=1, alt_text="Says <b>hi</b> & bye", note="A *note*")
    factories.image(comic=comic)
    description = rss_items(client)[0].findtext("description")
    assert '<img src="http://testserver/img/' in description
    assert "<p>Says &lt;b&gt;hi&lt;/b&gt; &amp; bye</p>" in description
    assert "<em>note</em>" in description


def test_the_guid_is_stable_when_title_and_slug_change(client, series):
    comic = factories.comic(number=1, title="First title")
    guid = rss_items(client)[0].find("guid")
    assert guid.get("isPermaLink") == "false"
    assert guid.text.startswith("tag:testserver,")
    comic.title, comic.slug = "Second title", "second-title"
    comic.save()
    assert rss_items(client)[0].findtext("guid") == guid.text


def test_characters_xml_forbids_never_break_the_feed(client, series):
    """Imported archives carry \\x0b, \\x1b and \\ufffe (xkcd does); the feed drops them."""
    bad = "Vertical\x0btab, escape\x1b[0m, nonchar\ufffe, null\x00 end"
    comic = factories.comic(number=1, title=bad, alt_text=bad, transcript=bad, note=bad)
    comic.tags.add(factories.tag("odd\x0btag"))
    factories.image(comic=comic)
    item = rss_items(client)[0]
    assert item.findtext("title") == "Verticaltab, escape[0m, nonchar, null end"
    assert "\x0b" not in item.findtext("description")
    assert item.findtext("category") == "oddtag"
    entry = atom_entries(client)[0]
    assert entry.findtext(f"{ATOM}title") == "Verticaltab, escape[0m, nonchar, null end"
    # The page itself keeps the text as given (escaped, never cleaned).
    assert "escape\x1b[0m" in client.get(comic.get_absolute_url()).content.decode()


def test_atom_feed_has_absolute_links_ids_and_enclosures(client, series):
    comic = factories.comic(number=3, title="Three")
    image = factories.image(comic=comic)
    entry = atom_entries(client)[0]
    assert entry.find(f"{ATOM}link[@rel='alternate']").get("href") == "http://testserver/comic/3/three/"
    enclosure = entry.find(f"{ATOM}link[@rel='enclosure']")
    assert enclosure.get("href") == f"http://testserver/img/{image.pk}/original.png"
    assert int(enclosure.get("length")) == image.size
    assert entry.findtext(f"{ATOM}id").startswith("tag:testserver,")


def test_a_comic_appears_in_the_feed_when_its_time_comes(client, series):
    comic = factories.scheduled_comic(number=1, title="Later")
    assert rss_items(client) == []
    comic.publish_at = timezone.now() - timedelta(seconds=1)
    comic.save()
    assert [item.findtext("title") for item in rss_items(client)] == ["Later"]


def test_each_series_has_its_own_feed(client, series):
    side = Series.objects.create(title="Side stories", slug="side")
    factories.comic(number=1, title="Main")
    factories.comic(number=1, title="Side", series=side)
    assert [i.findtext("title") for i in rss_items(client)] == ["Main"]
    side_items = rss_items(client, "/s/side/feed/rss/")
    assert [i.findtext("title") for i in side_items] == ["Side"]
    assert side_items[0].findtext("link") == "http://testserver/s/side/comic/1/side/"
    assert [e.findtext(f"{ATOM}title") for e in atom_entries(client, "/s/side/feed/atom/")] == ["Side"]
    assert client.get("/s/nope/feed/rss/").status_code == 404


def test_a_comic_with_a_missing_image_file_has_no_enclosure(client, series):
    from comics.models import ComicImage

    comic = factories.comic(number=1)
    ComicImage.objects.create(comic=comic, source_url="https://imgs.example.com/a.png")
    item = rss_items(client)[0]
    assert item.find("enclosure") is None
    assert 'src="https://imgs.example.com/a.png"' in item.findtext("description")


def test_a_missing_image_whose_address_is_a_web_page_is_no_img_but_a_link_to_the_original(client, series):
    from comics.models import ComicImage

    page_url = "http://mimiandeunice.com/2010/07/26/boundaries/"
    comic = factories.comic(number=1, source_url=page_url)
    ComicImage.objects.create(comic=comic, source_url=page_url)
    item, entry = rss_items(client)[0], atom_entries(client)[0]
    assert item.find("enclosure") is None and entry.find(f"{ATOM}link[@rel='enclosure']") is None
    for description in (item.findtext("description"), entry.findtext(f"{ATOM}summary")):
        assert "<img" not in description
        assert f'<p>Image not available: <a href="{page_url}">see the original</a>.</p>' in description


def test_each_image_of_a_comic_with_several_has_its_own_alt_in_the_feed(client, series):
    comic = factories.comic(number=1, title="Tea party", description="Mimi pours tea.")
    factories.image(comic=comic, position=0)
    factories.image(comic=comic, position=1)
    description = rss_items(client)[0].findtext("description")
    assert re.findall(r'alt="([^"]*)"', description) == ["Mimi pours tea.", "Tea party, image 2 of 2"]


def test_the_feed_runs_a_constant_number_of_queries(client, series):
    tag = factories.tag("cats")
    bulk.comics(3, series=series, tag=tag)
    small = bulk.query_count(client, "/feed/rss/")
    bulk.comics(60, series=series, start=4, tag=tag)
    assert bulk.query_count(client, "/feed/rss/") == small <= 5  # 4, and the content state once
    assert bulk.query_count(client, "/feed/atom/") == small - 1
