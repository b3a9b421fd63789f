from comics.models import ComicImage
from comics.templatetags.comics import isolate, thumbnail_sources
from tests import factories


def test_a_thumbnail_offers_its_double_width_variant_for_sharp_screens(series):
    image = factories.image(comic=factories.comic(number=1), width=1200, height=400)
    sources = thumbnail_sources(image)
    assert sources["srcset"] == f"/img/{image.pk}/thumb.png 1x, /img/{image.pk}/w480.png 2x"
    assert sources["webp"] == f"/img/{image.pk}/thumb.webp 1x, /img/{image.pk}/w480.webp 2x"
    assert (sources["width"], sources["height"]) == (240, 80)


def test_a_narrow_image_has_a_single_thumbnail(series):
    image = factories.image(comic=factories.comic(number=1), width=300, height=200)
    sources = thumbnail_sources(image)
    assert sources["srcset"] == f"/img/{image.pk}/thumb.png"


def test_grids_never_hotlink_a_missing_image(series):
    image = ComicImage.objects.create(comic=factories.comic(number=1), source_url="https://imgs.xkcd.com/comics/a.png")
    assert thumbnail_sources(image) is None


def test_a_right_to_left_mark_in_a_title_cannot_reverse_the_tab_title(client, series):
    factories.comic(number=1, title="abc\u202edef")
    body = client.get("/comic/1/abcdef/").content.decode()
    assert "<title>\u2068abc\u202edef\u2069 · " in body
    assert isolate("<b>") == "\u2068&lt;b&gt;\u2069"
