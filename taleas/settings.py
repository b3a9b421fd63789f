"""Taleas settings: one file, driven by environment variables with safe embedded defaults.

Unset `DATABASE_URL` means a SQLite file; unset `REDIS_URL` means local-memory cache and an
in-memory channel layer. Every variable is listed in `.env.example`. A variable `NAME_FILE`
is read from that file instead (Docker secrets).
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """The variable `name`, or the contents of the file named by `NAME_FILE`, or `default`."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# --- Django core -------------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG")
SECRET_KEY = env("DJANGO_SECRET_KEY") or "insecure-embedded-default-key-set-DJANGO_SECRET_KEY-in-production"
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# daphne is not an app here: as an app it would load Twisted (~26 MB) into every gunicorn worker.
# `make run` and the websocket service run `daphne taleas.asgi:application` instead.
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "channels",
    "comics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "comics.middleware.DefaultSeriesPrefixMiddleware",
]

ROOT_URLCONF = "taleas.urls"
WSGI_APPLICATION = "taleas.wsgi.application"
ASGI_APPLICATION = "taleas.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "comics.context_processors.site",
            ],
        },
    },
]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Database ------------------------------------------------------------------------------------
# DATABASE_URL=mysql://user:password@host:3306/name switches to MariaDB (utf8mb4, InnoDB, strict mode).

DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
else:
    SQLITE_PATH = Path(env("SQLITE_PATH") or BASE_DIR / "var" / "db.sqlite3")
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)  # a fresh clone has no var/ yet
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(SQLITE_PATH),
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "charset": "utf8mb4",
            "init_command": "SET sql_mode='STRICT_TRANS_TABLES', default_storage_engine=InnoDB",
        }
    )
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
# MariaDB has no partial unique indexes, so "one default series" (Series' conditional constraint)
# exists on SQLite only; on MariaDB comics.services.series_make_default keeps the rule.
SILENCED_SYSTEM_CHECKS = ["models.W036"]
if env("TEST_DATABASE_NAME"):
    # Lets two test runs share one MariaDB server without dropping each other's database.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env("TEST_DATABASE_NAME")

# --- Cache and channel layer ----------------------------------------------------------------------

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "taleas"),
            "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
        }
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Internationalisation -----------------------------------------------------------------------

LANGUAGE_CODE = "en-us"
# Times typed in the admin are in this zone; the database stores UTC.
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files and media ------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT") or BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT") or BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "taleas.storage.StaticStorage"
        if not DEBUG and env_bool("STATIC_MANIFEST", True)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if env("AWS_STORAGE_BUCKET_NAME"):
    # django-storages reads the AWS_* variables itself.
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage"}
    AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME")
    AWS_S3_ENDPOINT_URL = env("AWS_S3_ENDPOINT_URL") or None
    AWS_QUERYSTRING_AUTH = False

# When nginx serves media, comic images are handed to it with X-Accel-Redirect to this internal
# location once Django has checked that the comic is published. Empty: Django streams the file.
MEDIA_ACCEL_REDIRECT = env("MEDIA_ACCEL_REDIRECT")
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 500

# --- Security (production values come from the environment) ---------------------------------------

SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG and bool(env("DJANGO_SECRET_KEY")))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("DJANGO_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Taleas ---------------------------------------------------------------------------------------

SITE_TITLE = env("SITE_TITLE", "Taleas")
SITE_TAGLINE = env("SITE_TAGLINE", "A webcomic")
# Absolute URLs in feeds, sitemaps and social cards; empty means the request's own host.
SITE_URL = env("SITE_URL").rstrip("/")
# An upload whose header declares more pixels than this is refused before it is decoded.
IMAGE_MAX_MEGAPIXELS = float(env("IMAGE_MAX_MEGAPIXELS", "40"))
# ...and so is one whose web sizes would take more memory (MB) than this to make, counted from its
# header by comics/images.py. An upload raises a worker's memory by at most this much: at 64, a
# 12-megapixel RGBA PNG fits (59 MB measured by bench/image_memory.py), a 30-megapixel JPEG takes
# 20 MB (decoded at a quarter of its size), a 40-megapixel PNG is refused (it would take 167 MB).
IMAGE_MAX_MEMORY_MB = float(env("IMAGE_MAX_MEMORY_MB", "64"))
# Files one bulk upload may carry. Each is made into a comic within the request (about 0.6 s for a
# full 2480×3508 page), so 30 stay well within gunicorn's 30 s timeout; more go in further batches.
BULK_UPLOAD_MAX_FILES = int(env("BULK_UPLOAD_MAX_FILES", "30"))
# Widths generated for srcset; an image is never scaled up.
IMAGE_WIDTHS = [int(w) for w in env_list("IMAGE_WIDTHS", "480,960,1600")]
THUMBNAIL_WIDTH = int(env("THUMBNAIL_WIDTH", "240"))
COMICS_PER_SCROLL = int(env("COMICS_PER_SCROLL", "5"))
# Reader pages are kept in the cache this long, keyed by the content state, so a change shows at
# once. Without Redis each process has its own cache: a write made by another process (an import
# run from the shell) shows within this time. 0 turns the page cache off.
PAGE_CACHE_SECONDS = int(env("PAGE_CACHE_SECONDS", "600" if REDIS_URL else "60"))

# --- Logging: flat files in LOG_DIR when set, else the console ---------------------------------------

LOG_DIR = env("LOG_DIR")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "main": {"class": "logging.StreamHandler", "formatter": "plain"}
        if not LOG_DIR
        else {
            "class": "logging.handlers.WatchedFileHandler",
            "filename": os.path.join(LOG_DIR, "taleas.log"),
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["main"], "level": env("LOG_LEVEL", "INFO")},
}
