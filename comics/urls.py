import re

from django.conf import settings
from django.urls import path, re_path

from comics import feeds, views
from comics.decorators import reader_cache

app_name = "comics"


def series_paths(route: str, view, name: str) -> list:
    """The default series' route (no prefix) and the same route under /s/<series>/."""
    return [path(route, view, name=name), path(f"s/<slug:series>/{route}", view, name=name)]


urlpatterns = [
    *series_paths("", reader_cache(views.home), "home"),
    *series_paths("comic/<int:number>/", views.comic_number, "comic-number"),
    *series_paths("comic/<int:number>/<str:slug>/", reader_cache(views.comic_detail), "comic"),
    *series_paths("random/", views.comic_random, "random"),
    *series_paths("archive/", reader_cache(views.archive), "archive"),
    *series_paths("archive/<int:year>/", reader_cache(views.archive_year), "archive-year"),
    *series_paths("archive/chapter/<slug:chapter>/", reader_cache(views.chapter_detail), "chapter"),
    *series_paths("feed/rss/", reader_cache(feeds.ComicRssFeed()), "feed-rss"),
    *series_paths("feed/atom/", reader_cache(feeds.ComicAtomFeed()), "feed-atom"),
    *series_paths("info.0.json", reader_cache(views.api_latest), "api-latest"),
    *series_paths("comic/<int:number>/info.0.json", reader_cache(views.api_comic), "api-comic"),
    path("tag/<slug:tag>/", reader_cache(views.tag_detail), name="tag"),
    path("cast/", reader_cache(views.character_list), name="cast"),
    path("cast/<slug:character>/", reader_cache(views.character_detail), name="character"),
    path("preview/<int:pk>/", views.comic_preview, name="preview"),
    path("img/<int:pk>/<str:key>", views.comic_image, name="image"),
]

if settings.MEDIA_URL.startswith("/"):
    # Chapter covers and character portraits only: comic originals (media/comics/) go through
    # `image` above, which checks that the comic is published.
    urlpatterns.append(
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>(?:chapters|characters)/[\w-][\w.-]*)$",
            views.public_media,
            name="media",
        )
    )
