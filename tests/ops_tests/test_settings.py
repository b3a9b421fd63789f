import json
import os
import re
import subprocess
import sys

from django.conf import settings
from django.core.cache import cache
from django.db import connection

from comics.models import Comic
from tests import factories


def _settings_in_subprocess(code: str, **env) -> list:
    """Evaluate `code` against taleas.settings imported fresh with the given environment."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, "-c", f"import json, taleas.settings as s; print(json.dumps([{code}]))"],
        env={**clean, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def test_the_database_in_use_is_the_one_database_url_names(db):
    expected = "mysql" if os.environ.get("DATABASE_URL", "").startswith("mysql") else "sqlite"
    assert connection.vendor == expected


def test_four_byte_characters_survive_the_database(series):
    title = "Gerald 🌵 grows — “quotes” and 漢字"
    factories.comic(number=1, title=title)
    assert Comic.objects.get(number=1).title == title


def test_mariadb_tables_are_innodb_and_utf8mb4(db):
    if connection.vendor != "mysql":
        # On the embedded default the same question has a different answer: SQLite stores UTF-8.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA encoding")
            assert cursor.fetchone()[0] == "UTF-8"
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT engine, table_collation FROM information_schema.tables "
            "WHERE table_schema = DATABASE() AND table_name = 'comics_comic'"
        )
        engine, collation = cursor.fetchone()
    assert engine == "InnoDB"
    assert collation.startswith("utf8mb4")


def test_the_cache_is_the_one_redis_url_names():
    backend = settings.CACHES["default"]["BACKEND"]
    if os.environ.get("REDIS_URL"):
        assert backend == "django_redis.cache.RedisCache"
        from django_redis import get_redis_connection

        cache.set("taleas-probe", "here", 30)
        assert get_redis_connection("default").ping()
        assert cache.get("taleas-probe") == "here"
    else:
        assert backend == "django.core.cache.backends.locmem.LocMemCache"


def test_database_url_switches_to_mariadb_with_utf8mb4():
    out = _settings_in_subprocess(
        "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['OPTIONS']['charset']",
        DATABASE_URL="mysql://taleas:secret@db:3306/taleas",
    )
    assert out == ["django.db.backends.mysql", "utf8mb4"]


def test_redis_url_switches_cache_and_channel_layer():
    out = _settings_in_subprocess(
        "s.CACHES['default']['BACKEND'], s.CHANNEL_LAYERS['default']['BACKEND']", REDIS_URL="redis://cache:6379/0"
    )
    assert out == ["django_redis.cache.RedisCache", "channels_redis.core.RedisChannelLayer"]


def test_embedded_default_needs_no_server():
    out = _settings_in_subprocess(
        "s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'], s.CHANNEL_LAYERS['default']['BACKEND']"
    )
    assert out == [
        "django.db.backends.sqlite3",
        "django.core.cache.backends.locmem.LocMemCache",
        "channels.layers.InMemoryChannelLayer",
    ]


def test_secrets_can_come_from_files(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("from-a-docker-secret\n")
    out = _settings_in_subprocess("s.SECRET_KEY", DJANGO_SECRET_KEY_FILE=str(secret))
    assert out == ["from-a-docker-secret"]


def test_check_deploy_is_clean_with_production_variables(db, tmp_path):
    """With this run's DATABASE_URL and REDIS_URL, if any: the MariaDB pass checks MariaDB."""
    env = dict(os.environ)
    if env.get("DATABASE_URL"):  # the test database, which exists while the tests run
        env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + "/" + connection.settings_dict["NAME"]
    env.update(
        DJANGO_SECRET_KEY="p" * 20 + "-production-only-" + "k" * 30,
        DJANGO_ALLOWED_HOSTS="comic.example.com",
        DJANGO_SSL_REDIRECT="1",
        DJANGO_HSTS_SECONDS="31536000",
        SQLITE_PATH=str(tmp_path / "deploy.sqlite3"),
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--database", "default", "--fail-level", "WARNING"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_env_example_lists_every_variable_settings_reads():
    source = (settings.BASE_DIR / "taleas" / "settings.py").read_text()
    read = set(re.findall(r'env(?:_bool|_list)?\("([A-Z_]+)"', source))
    example = (settings.BASE_DIR / ".env.example").read_text()
    listed = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    assert read - listed == set()


def test_pages_render_before_collectstatic_has_run(client, settings, tmp_path, series):
    """DEBUG off with hashed static names and an empty STATIC_ROOT: a page, not a 500."""
    settings.DEBUG = False
    settings.STATIC_ROOT = tmp_path / "static-not-collected"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "taleas.storage.StaticStorage"},
    }
    factories.comic(number=1, title="Gerald")
    response = client.get("/comic/1/gerald/")
    assert response.status_code == 200
    assert "/static/css/site.css" in response.content.decode()
