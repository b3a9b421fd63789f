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
