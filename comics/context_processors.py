from django.conf import settings


def site(request) -> dict:
    """Site-wide names every template may use."""
    return {"SITE_TITLE": settings.SITE_TITLE, "SITE_TAGLINE": settings.SITE_TAGLINE}
