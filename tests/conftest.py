import pytest
from django.core.cache import cache

from tests import factories


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test writes uploads and variants to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def series(db):
    return factories.default_series()


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("author", "author@example.com", "pw-for-tests")
    client.force_login(user)
    return client


@pytest.fixture
def sitemap_locations(client):
    """Every <loc> of the site's sitemaps, following /sitemap.xml (an index) to each section's pages."""
    import xml.etree.ElementTree as ET

    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

    def locations() -> list[str]:
        index = client.get("/sitemap.xml")
        assert index.status_code == 200
        found = []
        for section in ET.fromstring(index.content).iter(f"{ns}loc"):
            response = client.get(section.text.removeprefix("http://testserver"))
            assert response.status_code == 200, section.text
            found += [loc.text for loc in ET.fromstring(response.content).iter(f"{ns}loc")]
        return found

    return locations
