"""Stored text is escaped on every page, feed, API answer and sitemap; only the author's note is
rendered as HTML, through the sanitiser, and no template turns escaping off."""

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.utils.html import escape

from comics.models import Series
from tests import factories

pytestmark = pytest.mark.django_db

PAYLOADS = {"script": "<script>alert(1)</script>", "attribute": '"><img src=x onerror=alert(1)>'}
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "content", "poster", "data"}


class ActiveContent(HTMLParser):
    """What a browser would run in a piece of HTML: inline scripts, event handlers, javascript: URLs."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.found.append(f"inline <script> {attrs}")
        if tag == "img" and attributes.get("src") == "x":
            self.found.append(f"injected <img> {attrs}")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and re.sub(r"[\s\x00-\x1f]", "", value or "").lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")


def assert_inert(text: str) -> None:
    assert "<script>alert" not in text
    assert "<img src=x" not in text
    assert ActiveContent(text).found == []


@pytest.fixture(params=list(PAYLOADS.values()), ids=list(PAYLOADS))
def hostile(request, series):
    """Every stored text field holds "<field name> <payload>"; returns those values and the addresses."""
    payload = request.param
    text = {
        name: f"{name} {payload}"
        for name in ["Comic title", "Alt text", "Transcript", "Description", "Link", "Tag", "Character", "Bio"]
        + ["Chapter title", "Chapter description", "Series title", "Series description"]
    }
    text["Note"] = f"Note {payload}\n\n[click](javascript:alert(1)) and <a href='javascript:alert(1)'>this</a>"
    Series.objects.filter(pk=series.pk).update(title=text["Series title"], description=text["Series description"])
    side = Series.objects.create(
        title=text["Series title"], slug="side", description=text["Series description"], is_default=False
    )
    chapter = factories.chapter(title=text["Chapter title"], description=text["Chapter description"])
    tag = factories.tag(text["Tag"])
    character = factories.character(text["Character"], bio=text["Bio"])
    fields = {
        "title": text["Comic title"],
        "alt_text": text["Alt text"],
        "transcript": text["Transcript"],
        "description": text["Description"],
        "note": text["Note"],
    }
    comics = [
        # The first links to javascript: (never an href), the others to the payload as a relative address.
        factories.comic(number=1, chapter=chapter, link=f"javascript:alert(1)//{payload}", **fields),
        factories.comic(number=2, chapter=chapter, link=text["Link"], **fields),
        factories.comic(number=1, series=side, link=text["Link"], **fields),
    ]
    for comic in comics:
        comic.tags.add(tag)
        comic.characters.add(character)
        factories.image(comic=comic)
    year = comics[0].publish_at.year
    urls = {
        "comic 1": comics[0].get_absolute_url(),
        "comic 2": comics[1].get_absolute_url(),
        "side comic": comics[2].get_absolute_url(),
        "year": f"/archive/{year}/",
        "chapter": chapter.get_absolute_url(),
        "tag": tag.get_absolute_url(),
        "character": character.get_absolute_url(),
    }
    return text, urls


# Each page, and the fields it shows (each must be there, escaped).
SIDE_COMIC = ["Comic title", "Alt text", "Transcript", "Description", "Tag", "Character"]
COMIC = [*SIDE_COMIC, "Chapter title"]
PAGES = {
    "comic 1": ("{comic 1}", COMIC),
    "comic 2": ("{comic 2}", [*COMIC, "Link"]),
    "home": ("/", [*COMIC, "Link"]),
    "home stream fragment": ("/?before=2&fragment=1", ["Comic title", "Alt text", "Description"]),
    "archive": ("/archive/", ["Chapter title", "Series title"]),
    "year": ("{year}", ["Comic title"]),
    "chapter": ("{chapter}", ["Chapter title", "Chapter description", "Comic title"]),
    "tag": ("{tag}", ["Tag", "Comic title"]),
    "cast": ("/cast/", ["Character", "Bio", "Comic title"]),
    "character": ("{character}", ["Character", "Bio", "Comic title"]),
    "other series home": ("/s/side/", [*SIDE_COMIC, "Link", "Series title"]),
    "other series comic": ("{side comic}", [*SIDE_COMIC, "Link", "Series title"]),
    "other series archive": ("/s/side/archive/", ["Series title"]),
}


@pytest.mark.parametrize("page", PAGES)
def test_stored_text_is_escaped_on_every_page(client, hostile, page):
    text, urls = hostile
    url, shown = PAGES[page]
    response = client.get(url.format(**urls))
    assert response.status_code == 200
    body = response.content.decode()
    assert_inert(body)
    for field in shown:
        assert escape(text[field]) in body, field


def test_the_comic_page_meta_and_social_tags_carry_the_text_escaped(client, hostile):
    text, urls = hostile
    body = client.get(urls["comic 2"]).content.decode()
    title, alt, description = escape(text["Comic title"]), escape(text["Alt text"]), escape(text["Description"])
    assert f"<title>\u2068{title}\u2069 · " in body  # in a directional isolate
    assert f'<meta property="og:title" content="{title}">' in body
    assert f'<meta name="twitter:title" content="{title}">' in body
    assert f'<meta name="description" content="{alt}">' in body
    assert f'<meta property="og:description" content="{alt}">' in body
    assert f'<meta property="og:image:alt" content="{description}">' in body


def test_the_sanitised_note_keeps_its_words_and_loses_scripts_handlers_and_javascript_links(client, hostile):
    body = client.get(hostile[1]["comic 2"]).content.decode()
    note = re.search(r'<section class="note".*?</section>', body, re.S).group(0)
    assert "<p>Note " in note and ">click</a>" in note and ">this</a>" in note
    assert_inert(note)
    assert "javascript" not in note


def test_a_javascript_link_never_becomes_an_href(client, hostile):
    body = client.get(hostile[1]["comic 1"]).content.decode()
    assert "javascript:" not in body
    assert 'class="comic-link"' not in body


@pytest.mark.parametrize("url", ["/feed/rss/", "/s/side/feed/rss/"])
def test_rss_items_carry_text_as_xml_text_and_their_html_is_inert(client, hostile, url):
    text, _ = hostile
    response = client.get(url)
    xml = response.content.decode()
    assert_inert(xml)
    channel = ET.fromstring(response.content).find("channel")
    if url.startswith("/s/"):
        assert channel.findtext("title").endswith(text["Series title"])
    assert channel.findtext("description") == text["Series description"]
    item = channel.find("item")
    assert item.findtext("title") == text["Comic title"]
    assert item.findtext("category") == text["Tag"]
    description = item.findtext("description")
    assert_inert(description)
    assert escape(text["Alt text"]) in description and escape(text["Description"]) in description
    assert "<p>Note " in description and "javascript" not in description


@pytest.mark.parametrize("url", ["/feed/atom/", "/s/side/feed/atom/"])
def test_atom_entries_carry_text_as_xml_text_and_their_html_is_inert(client, hostile, url):
    text, _ = hostile
    response = client.get(url)
    assert_inert(response.content.decode())
    feed = ET.fromstring(response.content)
    assert feed.findtext(f"{ATOM}subtitle") == text["Series description"]
    entry = feed.find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == text["Comic title"]
    assert entry.find(f"{ATOM}category").get("term") == text["Tag"]
    summary = entry.findtext(f"{ATOM}summary")
    assert_inert(summary)
    assert escape(text["Alt text"]) in summary


@pytest.mark.parametrize("url", ["/info.0.json", "/s/side/info.0.json"])
def test_the_json_api_gives_the_text_as_json_strings(client, hostile, url):
    text, _ = hostile
    response = client.get(url)
    assert response["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    data = json.loads(response.content)
    assert data["title"] == data["safe_title"] == text["Comic title"]
    assert data["alt"] == text["Alt text"]
    assert data["transcript"] == text["Transcript"]
    assert data["link"] == text["Link"]
    assert data["news"].startswith("<p>Note ")
    assert_inert(data["news"])
    assert "javascript" not in data["news"]


def test_the_json_api_never_gives_a_javascript_link(client, hostile):
    data = client.get("/comic/1/info.0.json").json()
    assert data["title"] == hostile[0]["Comic title"]
    assert data["link"] == ""


def test_the_sitemap_is_inert(client, hostile):
    index = client.get("/sitemap.xml")
    assert_inert(index.content.decode())
    sections = [loc.text for loc in ET.fromstring(index.content).iter(f"{SITEMAP}loc")]
    entries = 0
    for section in sections:
        response = client.get(section.removeprefix("http://testserver"))
        assert response.status_code == 200
        assert_inert(response.content.decode())
        entries += len(ET.fromstring(response.content))
    assert entries > 5


# --- Lint ----------------------------------------------------------------------------------------

TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
UNESCAPED = re.compile(r"\|\s*safe(seq)?\b|{%\s*autoescape\s+off\s*%}")
# No template needs `|safe`: the author's note is rendered with `{{ comic.note|note_html }}`, a filter
# that returns the sanitiser's own safe string (comics/markup.py). Add an entry here only for text
# that went through a sanitiser with a test, as "path:line".
ALLOWED_IN_TEMPLATES: set[str] = set()


def test_no_template_turns_escaping_off():
    found = {
        f"{path.relative_to(settings.BASE_DIR)}:{n}"
        for folder in TEMPLATE_DIRS
        for path in folder.rglob("*")
        if path.is_file()
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if UNESCAPED.search(line)
    }
    assert found <= ALLOWED_IN_TEMPLATES


def test_only_the_note_sanitiser_marks_text_safe():
    """mark_safe and SafeString() bypass escaping; only comics/markup.py (nh3) may use them."""
    base = Path(settings.BASE_DIR)
    found = {
        str(path.relative_to(base))
        for package in ("comics", "search", "analytics", "newsletter", "taleas")
        for path in (base / package).rglob("*.py")
        if re.search(r"\bmark_safe\(|\bSafeString\(|\bSafeText\(", path.read_text())
    }
    assert found <= {"comics/markup.py"}
