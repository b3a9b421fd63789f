"""The reader site as a reader sees it: pages, redirects, navigation, images, 404s and query counts."""

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.utils import timezone
from PIL import Image

from comics.models import Comic, ComicImage, Series
from tests import factories
from tests.comics_tests import bulk

pytestmark = pytest.mark.django_db


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def nav_href(page: str, name: str) -> str | None:
    match = re.search(rf'<a href="([^"]+)"[^>]*data-nav="{name}"', page)
    return match.group(1) if match else None


# --- Home ----------------------------------------------------------------------------------------


def test_home_shows_the_latest_comic_and_earlier_ones_below(client, series, settings):
    settings.COMICS_PER_SCROLL = 3
    for n in range(1, 6):
        factories.image(comic=factories.comic(number=n, title=f"Strip {n}"))
    page = html(client.get("/"))
    assert '<h1 id="comic-title" class="comic-title">Strip 5</h1>' in page
    assert [int(n) for n in re.findall(r'data-number="(\d+)"', page)] == [4, 3, 2]
    assert 'href="/?before=2" data-older>Older comics</a>' in page


def test_home_first_image_is_eager_and_earlier_images_are_lazy(client, series):
    for n in (1, 2):
        factories.image(comic=factories.comic(number=n), width=1200, height=800)
    page = html(client.get("/"))
    images = re.findall(r"<img [^>]+>", page)
    assert 'fetchpriority="high"' in images[0] and 'loading="lazy"' not in images[0]
    assert 'loading="lazy"' in images[1] and "fetchpriority" not in images[1]


def test_images_have_size_srcset_and_a_webp_source(client, series):
    comic = factories.comic(number=1)
    image = factories.image(comic=comic, width=1200, height=800)
    page = html(client.get(comic.get_absolute_url()))
    assert f'<source type="image/webp" srcset="/img/{image.pk}/w480.webp 480w, /img/{image.pk}/w960.webp 960w"' in page
    assert (
        f'srcset="/img/{image.pk}/w480.png 480w, /img/{image.pk}/w960.png 960w, /img/{image.pk}/original.png 1200w"'
        in page
    )
    assert 'width="1200" height="800"' in page
    assert 'sizes="(min-width: 932px) 900px, calc(100vw - 2rem)"' in page


def test_an_animated_gif_is_shown_as_it_is_without_resized_stills(client, series):
    comic = factories.comic(number=1)
    frame = Image.new("RGB", (1200, 800), (0, 0, 255))
    image = factories.image(comic=comic, width=1200, height=800, fmt="GIF", save_all=True, append_images=[frame])
    assert image.is_animated
    page = html(client.get(comic.get_absolute_url()))
    assert f'<img class="comic-image" src="/img/{image.pk}/original.gif" width="1200" height="800"' in page
    assert "srcset" not in page


def test_older_comics_link_pages_through_the_archive_without_javascript(client, series, settings):
    settings.COMICS_PER_SCROLL = 2
    for n in range(1, 6):
        factories.comic(number=n)
    page = html(client.get("/?before=4"))
    assert [int(n) for n in re.findall(r'data-number="(\d+)"', page)] == [3, 2]
    assert "Comics before #4" in page
    assert 'href="/?before=2" data-older' in page
    last = html(client.get("/?before=2"))
    assert re.findall(r'data-number="(\d+)"', last) == ["1"]
    assert "data-older" not in last


def test_the_scroll_fragment_is_only_the_next_comics(client, series, settings):
    settings.COMICS_PER_SCROLL = 2
    for n in range(1, 6):
        factories.comic(number=n)
    fragment = html(client.get("/?before=5&fragment=1"))
    assert "<html" not in fragment
    assert re.findall(r'data-number="(\d+)"', fragment) == ["4", "3"]
    assert 'href="/?before=3" data-older' in fragment


def test_the_stream_skips_drafts_and_scheduled_comics(client, series):
    factories.comic(number=1)
    factories.draft_comic(number=2, title="Secret draft")
    factories.scheduled_comic(number=3, title="Secret scheduled")
    page = html(client.get("/"))
    assert "Secret" not in page
    assert "Comic 1" in page


@pytest.mark.parametrize("before", ["abc", "-1", "1.5", "", "٣", "1e9"])
def test_a_bad_before_is_a_404(client, series, before):
    factories.comic(number=1)
    assert client.get("/", {"before": before}).status_code == 404


def test_a_huge_before_shows_the_newest_comics(client, series):
    factories.comic(number=7)
    page = html(client.get("/?before=99999999999"))
    assert 'data-number="7"' in page


def test_home_without_comics_says_so(client, series):
    factories.draft_comic(number=1)
    assert "No comics yet" in html(client.get("/"))


# --- Comic page ----------------------------------------------------------------------------------


def test_comic_number_alone_redirects_to_the_permalink(client, series):
    factories.comic(number=42, title="The Answer")
    response = client.get("/comic/42/")
    assert response.status_code == 301
    assert response["Location"] == "/comic/42/the-answer/"


def test_a_changed_slug_redirects_to_the_current_one(client, series):
    factories.comic(number=42, title="The Answer")
    response = client.get("/comic/42/old-title/")
    assert response.status_code == 301
    assert response["Location"] == "/comic/42/the-answer/"


def test_comic_page_shows_title_alt_text_transcript_note_tags_and_characters(client, series):
    comic = factories.comic(
        number=3,
        title="Tea time",
        alt_text="The kettle knows.",
        transcript="MIMI: Tea?\nEUNICE: Always.",
        note="Drawn on a *train*.",
    )
    factories.image(comic=comic)
    comic.tags.add(factories.tag("kettles"))
    comic.characters.add(factories.character("Mimi"))
    page = html(client.get(comic.get_absolute_url()))
    assert 'title="The kettle knows."' in page
    assert '<button type="button" class="alt-toggle" aria-expanded="false" aria-controls="alt-' in page
    assert '<details class="transcript">\n    <summary>Transcript</summary>' in page
    assert "MIMI: Tea?<br>EUNICE: Always." in page
    assert "Drawn on a <em>train</em>." in page
    assert '<a class="chip" href="/tag/kettles/" rel="tag">kettles</a>' in page
    assert '<a class="chip" href="/cast/mimi/">Mimi</a>' in page
    assert 'alt="MIMI: Tea?\nEUNICE: Always."' in page


def test_stored_text_is_escaped_everywhere(client, series):
    evil = '<script>alert("x")</script>'
    comic = factories.comic(number=1, title=evil, alt_text=evil, transcript=evil, note=evil, description=evil)
    factories.image(comic=comic)
    page = html(client.get(comic.get_absolute_url()))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_the_image_links_to_the_comics_link(client, series):
    comic = factories.comic(number=1, link="https://example.com/large")
    factories.image(comic=comic)
    page = html(client.get(comic.get_absolute_url()))
    assert re.search(r'<a class="comic-link" href="https://example.com/large">\s*<picture>', page)


def test_a_javascript_link_is_not_rendered(client, series):
    comic = factories.comic(number=1, link="javascript:alert(1)")
    factories.image(comic=comic)
    page = html(client.get(comic.get_absolute_url()))
    assert "javascript:" not in page
    assert "comic-link" not in page


def test_an_image_whose_file_is_missing_is_drawn_from_its_source_url(client, series):
    comic = factories.comic(number=1)
    ComicImage.objects.create(comic=comic, source_url="https://imgs.example.com/comics/tea.png", width=740, height=300)
    page = html(client.get(comic.get_absolute_url()))
    assert 'src="https://imgs.example.com/comics/tea.png"' in page
    assert 'width="740" height="300"' in page


def img_sources(page: str) -> list[str]:
    return re.findall(r'<(?:img|source)\b[^>]*\s(?:src|srcset)="([^"]*)"', page)


def test_a_missing_image_whose_address_is_a_web_page_is_a_placeholder_linking_to_the_original(client, series):
    """An import once kept a strip's page URL as its image address: no <img> may point at it."""
    page_url = "http://mimiandeunice.com/2010/07/26/boundaries/"
    comic = factories.comic(number=1, title="Boundaries", source_url=page_url)
    ComicImage.objects.create(comic=comic, source_url=page_url)
    page = html(client.get(comic.get_absolute_url()))
    assert img_sources(page) == []
    assert re.search(
        r'<div class="comic-placeholder"><p class="comic-placeholder-title">Image not available</p>'
        rf'<p><a href="{re.escape(page_url)}">See the original</a></p></div>',
        page,
    )
    assert 'property="og:image' not in page
    assert '<meta name="twitter:card" content="summary">' in page
    year = html(client.get(f"/archive/{timezone.localtime(comic.publish_at).year}/"))
    assert "mimiandeunice.com" not in year and '<span class="thumb thumb-empty" aria-hidden="true"></span>' in year


def test_a_placeholder_without_an_original_page_says_the_image_is_not_available(client, series):
    comic = factories.comic(number=1, link="https://example.com/large")
    ComicImage.objects.create(comic=comic)
    page = html(client.get(comic.get_absolute_url()))
    assert '<div class="comic-placeholder"><p class="comic-placeholder-title">Image not available</p></div>' in page
    assert "comic-link" not in page  # no link around a box that is not the comic


def test_a_hotlinked_image_of_unknown_size_reserves_a_box_while_it_loads(client, series, settings):
    comic = factories.comic(number=1)
    hotlink = "https://imgs.xkcd.com/comics/1000_comics.png"
    ComicImage.objects.create(comic=comic, source_url=hotlink)
    page = html(client.get(comic.get_absolute_url()))
    assert f'<picture class="unsized"><img class="comic-image" src="{hotlink}"' in page
    assert "width=" not in re.search(r"<img [^>]+>", page).group(0)
    css = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text()
    assert re.search(r"\.comic-figure picture\.unsized, \.comic-placeholder \{ min-height: [^;]+; \}", css)


def test_every_image_of_a_page_with_several_has_a_meaningful_alt(client, series):
    comic = factories.comic(number=1, title="Tea party", description="Mimi pours tea for Eunice.")
    for position in range(3):
        factories.image(comic=comic, position=position)
    factories.comic_with_image(number=2, publish_at=timezone.now())  # the latest: Tea party is below it
    expected = ["Mimi pours tea for Eunice.", "Tea party, image 2 of 3", "Tea party, image 3 of 3"]
    for page in (html(client.get(comic.get_absolute_url())), html(client.get("/"))):
        alts = re.findall(r'<img class="comic-image"[^>]* alt="([^"]*)"', page)
        assert [alt for alt in alts if alt.startswith(("Mimi pours", "Tea party"))] == expected


def test_navigation_links_first_previous_next_last_and_random(client, series):
    for n in (1, 2, 4, 7):
        factories.comic(number=n)
    page = html(client.get("/comic/4/comic-4/"))
    assert nav_href(page, "first") == "/comic/1/comic-1/"
    assert nav_href(page, "prev") == "/comic/2/comic-2/"
    assert nav_href(page, "next") == "/comic/7/comic-7/"
    assert nav_href(page, "last") == "/comic/7/comic-7/"
    assert nav_href(page, "random") == "/random/"
    assert '<link rel="prev" href="/comic/2/comic-2/">' in page
    assert '<link rel="next" href="/comic/7/comic-7/">' in page


def test_first_comic_has_no_previous_and_last_has_no_next(client, series):
    factories.comic(number=1)
    factories.comic(number=2)
    first = html(client.get("/comic/1/comic-1/"))
    assert nav_href(first, "prev") is None and nav_href(first, "first") is None
    assert 'rel="prev"' not in first
    last = html(client.get("/comic/2/comic-2/"))
    assert nav_href(last, "next") is None and nav_href(last, "last") is None


def test_navigation_skips_drafts_scheduled_and_deleted_comics(client, series):
    factories.comic(number=1)
    factories.draft_comic(number=2)
    factories.comic(number=3).delete()
    factories.comic(number=4)
    factories.scheduled_comic(number=5)
    factories.comic(number=6)
    factories.scheduled_comic(number=9)
    page = html(client.get("/comic/4/comic-4/"))
    assert nav_href(page, "prev") == "/comic/1/comic-1/"
    assert nav_href(page, "next") == "/comic/6/comic-6/"
    assert nav_href(page, "last") == "/comic/6/comic-6/"


def test_navigation_follows_a_comic_unpublished_after_the_page_was_first_seen(client, series):
    factories.comic(number=1)
    middle = factories.comic(number=2)
    factories.comic(number=3)
    assert nav_href(html(client.get("/comic/1/comic-1/")), "next") == "/comic/2/comic-2/"
    middle.status = Comic.Status.DRAFT
    middle.save()
    assert nav_href(html(client.get("/comic/1/comic-1/")), "next") == "/comic/3/comic-3/"


def test_chapter_navigation_links_the_chapters_around_and_the_chapter_start(client, series):
    one, two, three = (factories.chapter(title=f"Part {n}", position=n) for n in (1, 2, 3))
    for number, chapter in [(1, one), (2, one), (3, two), (4, two), (5, two), (6, three)]:
        factories.comic(number=number, chapter=chapter)
    page = html(client.get("/comic/5/comic-5/"))
    assert nav_href(page, "prev-chapter") == "/comic/1/comic-1/"
    assert nav_href(page, "chapter-start") == "/comic/3/comic-3/"
    assert nav_href(page, "next-chapter") == "/comic/6/comic-6/"
    start = html(client.get("/comic/3/comic-3/"))
    assert nav_href(start, "chapter-start") is None


def test_chapter_navigation_skips_chapters_without_published_comics(client, series):
    one, empty, three = (factories.chapter(title=f"Part {n}", position=n) for n in (1, 2, 3))
    factories.comic(number=1, chapter=one)
    factories.draft_comic(number=2, chapter=empty)
    factories.comic(number=3, chapter=three)
    page = html(client.get("/comic/1/comic-1/"))
    assert nav_href(page, "next-chapter") == "/comic/3/comic-3/"


def test_chapters_with_the_same_position_keep_their_creation_order(client, series):
    first, second = factories.chapter(title="A", position=0), factories.chapter(title="B", position=0)
    factories.comic(number=1, chapter=first)
    factories.comic(number=2, chapter=second)
    assert nav_href(html(client.get("/comic/1/comic-1/")), "next-chapter") == "/comic/2/comic-2/"
    assert nav_href(html(client.get("/comic/2/comic-2/")), "prev-chapter") == "/comic/1/comic-1/"


@pytest.mark.parametrize("make", [factories.draft_comic, factories.scheduled_comic])
def test_unpublished_comics_are_404_for_readers(client, series, make):
    comic = make(number=5)
    assert client.get(comic.get_absolute_url()).status_code == 404
    assert client.get("/comic/5/").status_code == 404


def test_random_redirects_to_a_published_comic(client, series):
    for n in range(1, 4):
        factories.draft_comic(number=n)
    factories.comic(number=10, title="Only one")
    factories.scheduled_comic(number=20)
    for _ in range(20):
        response = client.get("/random/")
        assert response.status_code == 302
        assert response["Location"] == "/comic/10/only-one/"
    assert "no-cache" in response["Cache-Control"]


def test_random_reaches_every_published_comic(client, series):
    for n in (1, 5, 9):
        factories.comic(number=n)
    seen = {client.get("/random/")["Location"] for _ in range(200)}
    assert seen == {"/comic/1/comic-1/", "/comic/5/comic-5/", "/comic/9/comic-9/"}


def test_random_without_comics_is_a_404(client, series):
    assert client.get("/random/").status_code == 404


def test_comic_page_has_opengraph_and_twitter_card_tags(client, series):
    comic = factories.comic(number=1, title="Tea", alt_text="Hot.")
    image = factories.image(comic=comic)
    page = html(client.get(comic.get_absolute_url()))
    assert '<meta property="og:title" content="Tea">' in page
    assert '<meta property="og:url" content="http://testserver/comic/1/tea/">' in page
    assert f'<meta property="og:image" content="http://testserver/img/{image.pk}/original.png">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    assert '<link rel="canonical" href="http://testserver/comic/1/tea/">' in page


def test_every_page_links_its_feeds_for_autodiscovery(client, series):
    comic = factories.comic(number=1)
    comic.tags.add(factories.tag("cats"))
    for url in ["/", comic.get_absolute_url(), "/archive/", "/tag/cats/", "/cast/", "/no-such-page/"]:
        page = client.get(url).content.decode()
        assert '<link rel="alternate" type="application/rss+xml" title="Taleas (RSS)" href="/feed/rss/">' in page
        assert '<link rel="alternate" type="application/atom+xml" title="Taleas (Atom)" href="/feed/atom/">' in page


def test_pages_have_landmarks_and_a_skip_link(client, series):
    comic = factories.comic(number=1)
    page = html(client.get(comic.get_absolute_url()))
    assert '<a class="skip-link" href="#main">' in page
    assert '<main id="main"' in page
    assert '<nav class="site-nav" aria-label="Site">' in page
    assert '<nav class="comic-nav" aria-label="Comic navigation">' in page
    assert "<footer" in page and '<html lang="en">' in page


# --- Series --------------------------------------------------------------------------------------


@pytest.fixture
def side_story(series):
    return Series.objects.create(title="Side stories", slug="side")


def test_another_series_has_its_own_numbering_navigation_and_home(client, series, side_story):
    factories.comic(number=1, title="Main one")
    factories.comic(number=2, title="Main two")
    factories.comic(number=1, title="Side one", series=side_story)
    factories.comic(number=2, title="Side two", series=side_story)
    page = html(client.get("/s/side/comic/1/side-one/"))
    assert nav_href(page, "next") == "/s/side/comic/2/side-two/"
    assert nav_href(page, "random") == "/s/side/random/"
    assert (
        '<link rel="alternate" type="application/rss+xml" title="Side stories (RSS)" href="/s/side/feed/rss/">' in page
    )
    assert "Side two" in html(client.get("/s/side/"))
    assert client.get("/s/side/comic/2/")["Location"] == "/s/side/comic/2/side-two/"
    main = html(client.get("/comic/2/main-two/"))  # links only to its own series' comics
    assert "/s/side/comic/" not in main and "Side one" not in main and "Side two" not in main
    assert client.get("/s/side/random/")["Location"].startswith("/s/side/comic/")


def test_the_default_series_has_no_prefixed_addresses(client, series):
    factories.comic(number=1)
    response = client.get(f"/s/{series.slug}/comic/1/comic-1/?utm=x")
    assert response.status_code == 301
    assert response["Location"] == "/comic/1/comic-1/?utm=x"
    assert client.get(f"/s/{series.slug}/")["Location"] == "/"
    assert client.get("/s/no-such-series/").status_code == 404
    assert client.get("/s/no-such-series/archive/").status_code == 404


# --- Staff preview -------------------------------------------------------------------------------


def test_staff_preview_shows_an_unpublished_comic_with_a_banner_and_no_caching(staff_client, series):
    comic = factories.draft_comic(number=8, title="Work in progress")
    factories.image(comic=comic)
    response = staff_client.get(f"/preview/{comic.pk}/")
    page = html(response)
    assert "Preview — not published." in page
    assert "Work in progress" in page
    assert response["Cache-Control"] == "private, no-store"


def test_preview_is_404_for_readers(client, series):
    comic = factories.draft_comic(number=8)
    assert client.get(f"/preview/{comic.pk}/").status_code == 404


def test_staff_following_a_drafts_address_land_on_its_preview(staff_client, series):
    comic = factories.draft_comic(number=8)
    response = staff_client.get(comic.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"] == f"/preview/{comic.pk}/"


# --- Image files ---------------------------------------------------------------------------------


def test_published_comic_images_are_served_with_type_and_cache_headers(client, series):
    image = factories.image(comic=factories.comic(number=1), width=1200, height=800)
    for key, content_type in [("original.png", "image/png"), ("w480.webp", "image/webp"), ("thumb.png", "image/png")]:
        response = client.get(image.url(key))
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Cache-Control"] == "public, max-age=86400"
        assert b"".join(response.streaming_content) == default_storage.open(image.variant_path(key)).read()


def test_images_of_unpublished_comics_are_404_for_readers_and_private_for_staff(staff_client, series):
    draft = factories.image(comic=factories.draft_comic(number=1))
    scheduled = factories.image(comic=factories.scheduled_comic(number=2))
    reader = Client()
    for image in (draft, scheduled):
        assert reader.get(image.url()).status_code == 404
        assert reader.get(image.url("thumb.png")).status_code == 404
    response = staff_client.get(draft.url())
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"


def test_unknown_image_keys_are_404(client, series):
    image = factories.image(comic=factories.comic(number=1), width=300, height=200)
    for key in ["w480.webp", "original.gif", "thumb.exe", "../../settings.py", "original", "w.png"]:
        assert client.get(f"/img/{image.pk}/{key}").status_code == 404, key
    assert client.get("/img/99999/original.png").status_code == 404
    assert client.get("/img/99999999999999999999999/original.png").status_code == 404


def test_with_accel_redirect_nginx_sends_the_file(client, series, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/_protected/"
    image = factories.image(comic=factories.comic(number=1))
    response = client.get(image.url())
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_protected/{image.file.name}"
    assert response["Content-Type"] == "image/png"
    assert response.content == b""


def test_with_accel_redirect_unpublished_images_are_still_404(client, series, settings):
    settings.MEDIA_ACCEL_REDIRECT = "/_protected/"
    image = factories.image(comic=factories.draft_comic(number=1))
    response = client.get(image.url())
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response


def test_chapter_covers_and_portraits_are_served_but_comic_originals_are_not(client, series):
    cover = default_storage.save("chapters/cover.png", ContentFile(factories.png_bytes()))
    portrait = default_storage.save("characters/mimi.png", ContentFile(factories.png_bytes()))
    image = factories.image(comic=factories.draft_comic(number=1))
    assert client.get(f"/media/{cover}").status_code == 200
    assert client.get(f"/media/{portrait}").status_code == 200
    assert client.get(f"/media/{image.file.name}").status_code == 404
    assert client.get("/media/chapters/../comics/x.png").status_code == 404
    assert client.get("/media/chapters/missing.png").status_code == 404


# --- Archive, tags, cast -------------------------------------------------------------------------


def test_archive_lists_chapters_with_counts_and_years(client, series):
    one = factories.chapter(title="Beginnings", position=1)
    hidden = factories.chapter(title="Not yet", position=2)
    first = factories.comic(
        number=1, chapter=one, publish_at=datetime(2023, 5, 1, tzinfo=timezone.get_current_timezone())
    )
    thumb = factories.image(comic=first)
    factories.comic(number=2, chapter=one, publish_at=datetime(2024, 5, 1, tzinfo=timezone.get_current_timezone()))
    factories.comic(number=3, publish_at=datetime(2024, 6, 1, tzinfo=timezone.get_current_timezone()))
    factories.draft_comic(number=4, chapter=hidden)
    factories.draft_comic(number=5, chapter=one)
    page = html(client.get("/archive/"))
    assert "Beginnings" in page and "Not yet" not in page
    assert '<span class="card-meta">2 comics</span>' in page
    assert f'src="/img/{thumb.pk}/thumb.png"' in page
    assert '<a href="/archive/2024/">2024</a> <span class="muted">2 comics</span>' in page
    assert '<a href="/archive/2023/">2023</a> <span class="muted">1 comic</span>' in page


def test_a_chapter_cover_replaces_the_thumbnail_in_the_archive(client, series):
    chapter = factories.chapter(title="Covered", cover="chapters/cover.png", cover_width=300, cover_height=400)
    factories.comic(number=1, chapter=chapter)
    page = html(client.get("/archive/"))
    assert '<img src="/media/chapters/cover.png" width="300" height="400" alt=""' in page


def test_chapter_page_lists_its_published_comics_with_thumbnails(client, series):
    chapter = factories.chapter(title="Beginnings", description="Where it starts.")
    image = factories.image(comic=factories.comic(number=1, chapter=chapter, title="Hello"))
    factories.draft_comic(number=2, chapter=chapter, title="Secret")
    page = html(client.get("/archive/chapter/beginnings/"))
    assert "Where it starts." in page and "Hello" in page and "Secret" not in page
    assert f'src="/img/{image.pk}/thumb.png"' in page
    assert client.get("/archive/chapter/nope/").status_code == 404


def test_a_chapter_with_only_unpublished_comics_is_404(client, series):
    chapter = factories.chapter(title="Soon")
    factories.scheduled_comic(number=1, chapter=chapter)
    assert client.get("/archive/chapter/soon/").status_code == 404


def test_year_page_lists_that_years_comics(client, series):
    zone = timezone.get_current_timezone()
    factories.comic(number=1, title="Old", publish_at=datetime(2019, 12, 31, 23, 0, tzinfo=zone))
    factories.comic(number=2, title="New", publish_at=datetime(2020, 1, 1, 0, 30, tzinfo=zone))
    page = html(client.get("/archive/2020/"))
    assert "New" in page and ">Old<" not in page
    assert client.get("/archive/1999/").status_code == 404


@pytest.mark.parametrize("year", [0, 9999, 99999999999999999999])
def test_impossible_years_are_404(client, series, year):
    factories.comic(number=1)
    assert client.get(f"/archive/{year}/").status_code == 404


def test_tag_page_lists_published_comics_with_the_tag(client, series):
    cats = factories.tag("cats")
    for n, make in [(1, factories.comic), (2, factories.draft_comic), (3, factories.comic)]:
        make(number=n, title=f"Cat {n}").tags.add(cats)
    factories.comic(number=4, title="Dog")
    page = html(client.get("/tag/cats/"))
    assert "Cat 1" in page and "Cat 3" in page
    assert "Cat 2" not in page and "Dog" not in page
    assert "2 comics" in page
    assert client.get("/tag/dogs/").status_code == 404


def test_long_lists_are_paginated_and_bad_pages_fall_back(client, series):
    cats = factories.tag("cats")
    bulk.comics(65, series=series, tag=cats)
    first = html(client.get("/tag/cats/"))
    assert first.count('class="card"') == 60
    assert "Page 1 of 2" in first
    assert html(client.get("/tag/cats/?page=2")).count('class="card"') == 5
    assert "Page 2 of 2" in html(client.get("/tag/cats/?page=999999999999999999999"))
    assert "Page 1 of 2" in html(client.get("/tag/cats/?page=abc"))


def test_cast_page_lists_appearances_and_first_appearance(client, series):
    mimi, eunice, ghost = (factories.character(name) for name in ("Mimi", "Eunice", "Ghost"))
    day = timezone.now() - timedelta(days=10)
    first = factories.comic(number=1, title="Hello", publish_at=day)
    second = factories.comic(number=2, publish_at=day + timedelta(days=1))
    later = factories.draft_comic(number=3)
    first.characters.add(mimi)
    second.characters.add(mimi, eunice)
    later.characters.add(ghost, eunice)
    page = html(client.get("/cast/"))
    assert "Ghost" not in page
    assert re.search(
        r"Mimi</a></h2>.*?Appears in 2 comics · first in <a href=\"/comic/1/hello/\">#1 <bdi>Hello</bdi></a>",
        page,
        re.S,
    )
    assert re.search(r"Eunice</a></h2>.*?Appears in 1 comic · first in <a href=\"/comic/2/comic-2/\">", page, re.S)


def test_character_page_lists_appearances(client, series):
    mimi = factories.character("Mimi", bio="Likes tea.")
    factories.comic(number=1, title="Tea one").characters.add(mimi)
    factories.draft_comic(number=2, title="Tea secret").characters.add(mimi)
    page = html(client.get("/cast/mimi/"))
    assert "Likes tea." in page and "Tea one" in page and "Tea secret" not in page
    assert client.get("/cast/nobody/").status_code == 404


# --- Nothing a reader types is a 500 --------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/comic/0/",
        "/comic/999/",
        "/comic/99999999999999999999999999/",
        "/comic/99999999999999999999999999/x/",
        "/comic/1/%00/",
        "/comic/-1/",
        "/comic/abc/",
        "/comic/1/info.0.json/",
        "/preview/99999999999999999999999/",
        "/s/%E2%98%83/",
        "/archive/chapter/%E2%98%83/",
        "/tag/nope/",
        "/cast/nope/",
        "/img/1/%2e%2e%2fsecret",
        "/feed/rss/extra/",
    ],
)
def test_what_a_reader_types_is_never_a_server_error(client, series, url):
    factories.comic(number=1)
    assert client.get(url).status_code in {301, 404}


def test_a_bad_page_number_in_a_comic_address_with_a_slug_still_redirects(client, series):
    factories.comic(number=1, title="One")
    response = client.get("/comic/1/%E2%98%83/")
    assert response.status_code == 301
    assert response["Location"] == "/comic/1/one/"


# --- Speed: the same number of queries with 3 comics as with 60 -------------------------------------


@pytest.fixture
def archive_sizes(series):
    """Yields a function growing the archive from 3 to 60 comics (chapter, tag and character set)."""
    chapter = factories.chapter(title="Everything", position=1)
    factories.chapter(title="Other", position=2)
    tag, character = factories.tag("cats"), factories.character("Mimi")
    bulk.comics(3, series=series, chapter=chapter, tag=tag, character=character)

    def grow():
        bulk.comics(57, series=series, start=4, chapter=chapter, tag=tag, character=character)

    return grow


def _same_count_small_and_large(client, grow, url_small: str, url_large: str | None = None) -> int:
    small = bulk.query_count(client, url_small)
    grow()
    large = bulk.query_count(client, url_large or url_small)
    assert small == large
    return large


def test_comic_page_runs_at_most_6_queries_whatever_the_archive_size(client, archive_sizes):
    count = _same_count_small_and_large(client, archive_sizes, "/comic/2/comic-2/", "/comic/30/comic-30/")
    assert count <= 6
    # Once the worker holds the series' published order, navigation costs no query at all.
    assert bulk.query_count(client, "/comic/31/comic-31/") == count - 2


def test_home_runs_a_constant_number_of_queries(client, archive_sizes):
    # The series, the latest comic with images, tags and characters, the earlier comics with their
    # images, and (once per worker and change) the series' published order and its next schedule.
    # The series, the latest comic with images, tags and characters, the earlier comics with their
    # images; once per worker and change, the series' published order; once per change for the
    # whole site, the content state (comics/signals.py).
    assert _same_count_small_and_large(client, archive_sizes, "/") <= 9


def test_archive_runs_a_constant_number_of_queries(client, archive_sizes):
    # Each page below also runs, once per change for the whole site, the content-state query.
    assert _same_count_small_and_large(client, archive_sizes, "/archive/") <= 8


def test_chapter_page_runs_a_constant_number_of_queries(client, archive_sizes):
    assert _same_count_small_and_large(client, archive_sizes, "/archive/chapter/everything/") <= 6


def test_tag_page_runs_a_constant_number_of_queries(client, archive_sizes):
    assert _same_count_small_and_large(client, archive_sizes, "/tag/cats/") <= 5


def test_cast_and_character_pages_run_a_constant_number_of_queries(client, archive_sizes):
    cast = bulk.query_count(client, "/cast/")
    character = bulk.query_count(client, "/cast/mimi/")  # the content state is known by now
    archive_sizes()
    assert bulk.query_count(client, "/cast/") == cast <= 3
    assert bulk.query_count(client, "/cast/mimi/") == character <= 4


def test_year_page_runs_a_constant_number_of_queries(client, archive_sizes):
    year = timezone.localtime(Comic.objects.get(number=3).publish_at).year
    count = _same_count_small_and_large(client, archive_sizes, f"/archive/{year}/")
    assert count <= 5


def test_every_page_lists_the_series_readers_can_visit(client, series):
    from comics.models import Series

    factories.comic(number=1, title="Main strip")
    side = Series.objects.create(title="Guest week", slug="guests")
    factories.comic(number=1, series=side, title="Guest strip")
    hidden = Series.objects.create(title="Not yet", slug="not-yet")
    factories.draft_comic(number=1, series=hidden)
    body = client.get("/comic/1/main-strip/").content.decode()
    assert '<nav class="series-nav" aria-label="Series">' in body
    assert '<a href="/s/guests/">Guest week</a>' in body
    assert "Not yet" not in body
    guest_page = client.get("/s/guests/comic/1/guest-strip/").content.decode()
    assert '<a href="/s/guests/" aria-current="page">Guest week</a>' in guest_page


def test_a_single_series_site_shows_no_series_list(client, series):
    factories.comic(number=1, title="Main strip")
    assert "series-nav" not in client.get("/comic/1/main-strip/").content.decode()
