from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from comics.signals import series_menu


def _series_links() -> list[dict]:
    return [
        {"slug": slug, "title": title, "url": reverse("comics:home", kwargs={} if is_default else {"series": slug})}
        for slug, title, is_default in series_menu()
    ]


def site(request) -> dict:
    """Site-wide names every template may use, and the series readers can visit (computed only
    when a template asks, from the content state: no query of its own)."""
    return {
        "SITE_TITLE": settings.SITE_TITLE,
        "SITE_TAGLINE": settings.SITE_TAGLINE,
        "SERIES_MENU": SimpleLazyObject(_series_links),
    }
