"""RSS 2.0 and Atom feeds of the latest published comics, one pair per series.

Absolute addresses throughout (settings.SITE_URL, else the request's host). Characters that XML 1.0
forbids (imported archives have \\x0b, \\x1b, \\ufffe...) are stripped here, in the feed only.
"""

import copy
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.html import format_html, format_html_join

from comics import links, markup, selectors
from comics.templatetags.comics import image_alt

XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_clean(value):
    return XML_FORBIDDEN.sub("", value) if isinstance(value, str) else value


class XmlCleanMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*map(xml_clean, args), **{k: xml_clean(v) for k, v in kwargs.items()})

    def add_item(self, **kwargs):
        kwargs = {k: xml_clean(v) for k, v in kwargs.items()}
        kwargs["categories"] = [xml_clean(c) for c in kwargs.get("categories") or ()]
        super().add_item(**kwargs)


class CleanRssFeed(XmlCleanMixin, Rss201rev2Feed):
    pass


class CleanAtomFeed(XmlCleanMixin, Atom1Feed):
    pass


class ComicRssFeed(Feed):
    feed_type = CleanRssFeed

    def __call__(self, request, *args, **kwargs):
        # A copy per request, so the hooks below can build absolute addresses from it.
        feed = copy.copy(self)
        feed.request = request
        return Feed.__call__(feed, request, *args, **kwargs)

    def _absolute(self, path: str) -> str:
        return links.absolute_url(self.request, path)

    def get_object(self, request, series=None):
        series_obj = selectors.series_get(slug=series)
        if series_obj is None:
            raise Http404("No such series")
        return series_obj

    def title(self, series):
        return settings.SITE_TITLE if series.is_default else f"{settings.SITE_TITLE}: {series.title}"

    def description(self, series):
        return series.description or settings.SITE_TAGLINE

    def link(self, series):
        return self._absolute(series.get_absolute_url())

    def feed_url(self, series):
        return self._absolute(self.request.path)

    def items(self, series):
        return selectors.feed_comics(series=series)

    def item_title(self, comic):
        return comic.title

    def item_link(self, comic):
        return self._absolute(comic.get_absolute_url())

    def item_guid(self, comic):
        # Stable through changes of title, slug or publish time.
        host = urlsplit(self._absolute("/")).hostname or "localhost"
        return f"tag:{host},{comic.created_at:%Y-%m-%d}:comic-{comic.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, comic):
        return comic.publish_at

    def item_updateddate(self, comic):
        return max(comic.updated_at, comic.publish_at)

    def item_categories(self, comic):
        return [tag.name for tag in comic.tags.all()]

    def _images(self, comic):
        for image in comic.images.all():
            yield image, links.image_url(self.request, image)

    def _picture(self, comic, image, src, alt):
        if src:
            return format_html(
                '<p><img src="{}" alt="{}" title="{}" width="{}" height="{}"></p>',
                src,
                alt,
                comic.alt_text,
                image.width or "",
                image.height or "",
            )
        # Never an <img> pointing at a web page: the address of the original, when there is one.
        original = links.safe_href(comic.source_url)
        if original:
            return format_html('<p>Image not available: <a href="{}">see the original</a>.</p>', original)
        return format_html("<p>{}</p>", "Image not available.")

    def item_description(self, comic):
        images = list(self._images(comic))
        pictures = format_html_join(
            "",
            "{}",
            (
                (self._picture(comic, image, src, image_alt(comic, position, len(images))),)
                for position, (image, src) in enumerate(images, 1)
            ),
        )
        alt = format_html("<p>{}</p>", comic.alt_text) if comic.alt_text else ""
        return format_html("{}{}{}", pictures, alt, markup.note_html(comic.note))

    def item_enclosures(self, comic):
        for image, src in self._images(comic):
            if not image.is_missing and image.size:
                return [Enclosure(src, str(image.size), image.mime_type)]
        return []


class ComicAtomFeed(ComicRssFeed):
    feed_type = CleanAtomFeed

    def subtitle(self, series):
        return self.description(series)
