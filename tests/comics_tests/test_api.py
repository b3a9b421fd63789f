"""The xkcd-style JSON API: /info.0.json and /comic/<n>/info.0.json."""

from datetime import datetime

import pytest
from django.utils import timezone

from comics.models import ComicImage, Series
from tests import factories

pytestmark = pytest.mark.django_db
XKCD_KEYS = {"month", "num", "link", "year", "news", "safe_title", "transcript", "alt", "img", "title", "day"}


def test_a_comic_has_xkcds_keys_with_dates_as_strings(client, series):
    comic = factories.comic(
        number=614,
        title="Woodpecker",
        alt_text="If you don't have an extension cord...",
        transcript="[[A man with a beret...]]",
        link="https://example.com/",
        note="Drawn *live*.",
        publish_at=datetime(2009, 7, 24, 12, 0, tzinfo=timezone.get_current_timezone()),
    )
    image = factories.image(comic=comic)
    response = client.get("/comic/614/info.0.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert set(data) == XKCD_KEYS
    assert data == {
        "month": "7",
        "num": 614,
        "link": "https://example.com/",
        "year": "2009",
        "news": "<p>Drawn <em>live</em>.</p>",
        "safe_title": "Woodpecker",
        "transcript": "[[A man with a beret...]]",
        "alt": "If you don't have an extension cord...",
        "img": f"http://testserver/img/{image.pk}/original.png",
        "title": "Woodpecker",
        "day": "24",
    }


def test_latest_is_the_highest_published_number(client, series):
    factories.comic(number=1)
    factories.comic(number=2, title="Newest")
    factories.draft_comic(number=3)
    factories.scheduled_comic(number=4)
    assert client.get("/info.0.json").json()["num"] == 2


@pytest.mark.parametrize("make", [factories.draft_comic, factories.scheduled_comic])
def test_unpublished_comics_are_404(client, series, make):
    make(number=5)
    assert client.get("/comic/5/info.0.json").status_code == 404


def test_unknown_or_huge_numbers_are_404(client, series):
    assert client.get("/info.0.json").status_code == 404
    assert client.get("/comic/5/info.0.json").status_code == 404
    assert client.get("/comic/999999999999999999999999/info.0.json").status_code == 404


def test_a_missing_image_gives_its_source_url(client, series):
    comic = factories.comic(number=1)
    ComicImage.objects.create(comic=comic, source_url="https://imgs.xkcd.com/comics/barrel_cropped_(1).jpg")
    assert client.get("/comic/1/info.0.json").json()["img"] == "https://imgs.xkcd.com/comics/barrel_cropped_(1).jpg"


def test_a_missing_image_whose_address_is_a_web_page_gives_an_empty_img(client, series):
    page_url = "http://mimiandeunice.com/2010/07/26/boundaries/"
    comic = factories.comic(number=1, source_url=page_url)
    ComicImage.objects.create(comic=comic, source_url=page_url)
    assert client.get("/comic/1/info.0.json").json()["img"] == ""


def test_other_series_have_their_own_api(client, series):
    side = Series.objects.create(title="Side", slug="side")
    factories.comic(number=1, series=side, title="Aside")
    assert client.get("/s/side/info.0.json").json()["title"] == "Aside"
    assert client.get("/s/side/comic/1/info.0.json").json()["title"] == "Aside"
    assert client.get("/comic/1/info.0.json").status_code == 404
