"""The reader site in a real browser (Debian's chromium through Playwright): infinite scroll,
arrow keys, the alt-text button and the transcript.

Chromium must be installed (`make test-deps` does it): without it these tests fail, they never skip.
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests import factories

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def site(live_server, settings) -> str:
    """Twelve comics with images, three per scroll; the live server's address."""
    settings.COMICS_PER_SCROLL = 3
    for n in range(1, 13):
        comic = factories.comic(
            number=n,
            title=f"Strip {n}",
            alt_text=f"Hover text of strip {n}",
            transcript=f"Panel one of strip {n}.",
        )
        factories.image(comic=comic, width=800, height=600)
    return live_server.url


@pytest.fixture
def page(site):
    """A fresh chromium page, started after the data exists and closed before the database is
    flushed: Playwright's sync API keeps an event loop running while it is open, and Django
    refuses ORM calls under a running loop."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make test-deps` (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1000, "height": 700})
        page.set_default_timeout(10_000)
        yield page
        browser.close()


def test_infinite_scroll_loads_older_comics(page, site):
    page.goto(site + "/")
    items = page.locator(".stream-item")
    expect(items).to_have_count(3)
    assert items.evaluate_all("els => els.map(e => e.dataset.number)") == ["11", "10", "9"]
    for expected in (6, 9, 11):
        page.locator("[data-older]").scroll_into_view_if_needed()
        expect(items).to_have_count(expected)
    assert items.evaluate_all("els => els.map(e => e.dataset.number)") == [str(n) for n in range(11, 0, -1)]
    expect(page.locator("[data-older]")).to_have_count(0)
    assert page.url == site + "/"


def test_arrow_keys_go_to_the_previous_and_next_comic(page, site):
    page.goto(site + "/comic/5/strip-5/")
    page.keyboard.press("ArrowRight")
    page.wait_for_url("**/comic/6/strip-6/")
    expect(page.locator("h1")).to_have_text("Strip 6")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url("**/comic/5/strip-5/")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url("**/comic/4/strip-4/")
    expect(page.locator("h1")).to_have_text("Strip 4")


def test_the_alt_text_button_reveals_the_alt_text(page, site):
    page.goto(site + "/comic/5/strip-5/")
    alt = page.locator("[data-alt-text]")
    button = page.get_by_role("button", name="Show alt text")
    expect(alt).to_be_hidden()
    expect(page.locator("img.comic-image")).to_have_attribute("title", "Hover text of strip 5")
    button.click()
    expect(alt).to_be_visible()
    expect(alt).to_have_text("Hover text of strip 5")
    expect(page.get_by_role("button", name="Hide alt text")).to_have_attribute("aria-expanded", "true")


def test_the_transcript_expands(page, site):
    page.goto(site + "/comic/5/strip-5/")
    text = page.get_by_text("Panel one of strip 5.")
    expect(text).to_be_hidden()
    page.get_by_text("Transcript", exact=True).click()
    expect(text).to_be_visible()
