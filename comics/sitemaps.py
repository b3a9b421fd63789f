"""sitemap.xml: published comics, chapters and tags that have them, and the static pages."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef
from django.urls import reverse

from comics.models import Chapter, Comic, Series, Tag


class SiteSitemap(Sitemap):
    """Addresses on settings.SITE_URL when it is set, else on the request's host."""

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme if settings.SITE_URL else super().get_protocol(protocol)

    def get_domain(self, site=None):
        if settings.SITE_URL:
            parts = urlsplit(settings.SITE_URL)
            return parts.netloc + parts.path
        return super().get_domain(site)


class ComicSitemap(SiteSitemap):
    limit = 5000

    def items(self):
        return Comic.objects.published().select_related("series").order_by("series_id", "number")

    def lastmod(self, comic):
        return comic.updated_at


class ChapterSitemap(SiteSitemap):
    def items(self):
        published = Comic.objects.published().filter(chapter=OuterRef("pk"))
        return Chapter.objects.filter(Exists(published)).select_related("series")


class TagSitemap(SiteSitemap):
    def items(self):
        return Tag.objects.filter(Exists(Comic.objects.published().filter(tags=OuterRef("pk"))))


class SeriesSitemap(SiteSitemap):
    def items(self):
        return Series.objects.filter(Exists(Comic.objects.published().filter(series=OuterRef("pk"))))


class StaticSitemap(SiteSitemap):
    def items(self):
        return ["comics:archive", "comics:cast"]

    def location(self, name):
        return reverse(name)


sitemaps = {
    "pages": StaticSitemap,
    "series": SeriesSitemap,
    "comics": ComicSitemap,
    "chapters": ChapterSitemap,
    "tags": TagSitemap,
}
