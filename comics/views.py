"""The reader site: thin views over `comics.selectors`.

Nothing a reader types reaches the database unchecked: numbers out of range, a bad `?before=` and
unknown slugs end in a 404, never a 500.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.static import serve

from comics import links, markup, selectors
from comics.models import Character, Comic, Series, Tag

# Numbers in addresses beyond this are not comics (and would overflow a database integer).
MAX_NUMBER = 2**31 - 1
PER_PAGE = 60
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


def _number(value: str | None) -> int | None:
    """A positive comic number from a query string, or None; anything else is a 404."""
    if value is None:
        return None
    if not re.fullmatch(r"[0-9]{1,12}", value):
        raise Http404("Not a comic number")
    return min(int(value), MAX_NUMBER)


def _in_range(number: int) -> int:
    if number > MAX_NUMBER:
        raise Http404("No such comic")
    return number


def _series_or_404(slug: str | None) -> Series:
    series = selectors.series_get(slug=slug)
    if series is None:
        raise Http404("No such series")
    return series


def _page(request: HttpRequest, comics, *, per_page: int = PER_PAGE) -> Page:
    """A page of comics (a bad or too large ?page= gives the first or last page), with thumbnails."""
    page = Paginator(comics, per_page).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    selectors.images_first(page.object_list)
    return page


def _comic_context(comic: Comic) -> dict:
    return {"comic": comic, "series": comic.series, "nav": selectors.comic_neighbours(comic=comic)}


# --- Comics --------------------------------------------------------------------------------------


def home(request: HttpRequest, series: str | None = None) -> HttpResponse:
    """The latest comic, then earlier ones; `?before=<n>` continues below n (keyset pagination).

    With `fragment=1` only the next batch is rendered, for the infinite scroll's fetch.
    """
    series_obj = _series_or_404(series)
    before = _number(request.GET.get("before"))
    context: dict = {"series": series_obj, "before": before}
    if before is None:
        latest = selectors.comic_latest_for_page(series=series_obj)
        if latest is not None:
            context.update(_comic_context(latest))
            before = latest.number
    if before is not None:
        earlier, next_before = selectors.comics_before(
            series=series_obj, before=before, limit=settings.COMICS_PER_SCROLL
        )
        context["earlier"] = earlier
        if next_before is not None:
            base = reverse("comics:home", kwargs=series_obj.url_kwargs())
            context["older_url"] = f"{base}?{urlencode({'before': next_before})}"
    if request.GET.get("fragment"):
        return render(request, "includes/stream_items.html", context)
    return render(request, "comics/home.html", context)


def comic_detail(request: HttpRequest, number: int, slug: str, series: str | None = None) -> HttpResponse:
    comic = selectors.comic_for_page(series_slug=series, number=_in_range(number))
    if comic is None:
        return _unpublished_or_404(request, series=series, number=number)
    if slug != (comic.slug or "-"):
        return redirect(comic.get_absolute_url(), permanent=True)
    return render(request, "comics/comic_detail.html", _comic_context(comic))


def _unpublished_or_404(request: HttpRequest, *, series: str | None, number: int) -> HttpResponse:
    """Staff following "view on site" to a draft land on its preview; readers get a 404."""
    pk = selectors.comic_pk_any(series_slug=series, number=number) if request.user.is_staff else None
    if pk is None:
        raise Http404("No such comic")
    return redirect("comics:preview", pk=pk)


def comic_number(request: HttpRequest, number: int, series: str | None = None) -> HttpResponse:
    """/comic/<n>/ redirects to the comic's permalink."""
    slug = selectors.comic_slug(series_slug=series, number=_in_range(number))
    if slug is None:
        return _unpublished_or_404(request, series=series, number=number)
    kwargs = {"series": series} if series else {}
    return redirect("comics:comic", permanent=True, number=number, slug=slug or "-", **kwargs)


@never_cache
def comic_random(request: HttpRequest, series: str | None = None) -> HttpResponse:
    url = selectors.comic_random_url(series=_series_or_404(series))
    if url is None:
        raise Http404("No comics yet")
    return redirect(url)


def comic_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Any comic as its page will look, for staff only; never cached."""
    if not (request.user.is_active and request.user.is_staff):
        raise Http404("No such comic")
    comic = selectors.comic_for_preview(pk=_in_range(pk))
    if comic is None:
        raise Http404("No such comic")
    response = render(request, "comics/comic_detail.html", {**_comic_context(comic), "preview": True})
    response["Cache-Control"] = "private, no-store"
    return response


# --- Archive -------------------------------------------------------------------------------------


def archive(request: HttpRequest, series: str | None = None) -> HttpResponse:
    series_obj = _series_or_404(series)
    context = {
        "series": series_obj,
        "chapters": selectors.archive_chapters(series=series_obj),
        "years": selectors.archive_years(series=series_obj),
        "unchaptered": selectors.archive_unchaptered_count(series=series_obj),
        "other_series": selectors.series_others(series=series_obj),
    }
    return render(request, "comics/archive.html", context)


def archive_year(request: HttpRequest, year: int, series: str | None = None) -> HttpResponse:
    if not 1 <= year <= 9998:
        raise Http404("No such year")
    series_obj = _series_or_404(series)
    page = _page(request, selectors.comics_in_year(series=series_obj, year=year))
    if not page.object_list:
        raise Http404("No comics that year")
    return render(request, "comics/archive_year.html", {"series": series_obj, "year": year, "page": page})


def chapter_detail(request: HttpRequest, chapter: str, series: str | None = None) -> HttpResponse:
    series_obj = _series_or_404(series)
    chapter_obj = selectors.chapter_get(series=series_obj, slug=chapter)
    if chapter_obj is None:
        raise Http404("No such chapter")
    page = _page(request, selectors.comics_in_chapter(chapter=chapter_obj))
    if not page.object_list:
        raise Http404("No comics in this chapter yet")
    return render(request, "comics/chapter_detail.html", {"series": series_obj, "chapter": chapter_obj, "page": page})


def tag_detail(request: HttpRequest, tag: str) -> HttpResponse:
    tag_obj = Tag.objects.filter(slug=tag).first()
    if tag_obj is None:
        raise Http404("No such tag")
    page = _page(request, selectors.comics_with_tag(tag=tag_obj))
    if not page.object_list:
        raise Http404("No comics with this tag yet")
    return render(request, "comics/tag_detail.html", {"tag": tag_obj, "page": page})


def character_list(request: HttpRequest) -> HttpResponse:
    return render(request, "comics/character_list.html", {"characters": selectors.cast_list()})


def character_detail(request: HttpRequest, character: str) -> HttpResponse:
    character_obj = Character.objects.filter(slug=character).first()
    if character_obj is None:
        raise Http404("No such character")
    page = _page(request, selectors.comics_with_character(character=character_obj))
    if not page.object_list:
        raise Http404("This character has not appeared yet")
    return render(request, "comics/character_detail.html", {"character": character_obj, "page": page})


# --- Files ---------------------------------------------------------------------------------------


def comic_image(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """A comic image or one of its variants, once the comic is published (staff: always).

    With MEDIA_ACCEL_REDIRECT set, nginx sends the file after this check (X-Accel-Redirect).
    """
    image = selectors.image_published(pk=_in_range(pk))
    public = image is not None
    if image is None and request.user.is_staff:
        image = selectors.image_any(pk=pk)
    if image is None:
        raise Http404("No such image")
    path = image.variant_path(key)
    suffix = PurePosixPath(path or "").suffix
    content_type = IMAGE_TYPES.get(suffix.lower())
    if not path or not content_type or PurePosixPath(key).suffix != suffix:
        raise Http404("No such image")
    if settings.MEDIA_ACCEL_REDIRECT:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = f"{settings.MEDIA_ACCEL_REDIRECT.rstrip('/')}/{path}"
    else:
        try:
            response = FileResponse(default_storage.open(path), content_type=content_type)
        except (FileNotFoundError, OSError) as error:
            raise Http404("Image file missing") from error
    response["Cache-Control"] = "public, max-age=86400" if public else "private, no-store"
    return response


def public_media(request: HttpRequest, path: str) -> HttpResponse:
    """Chapter covers and character portraits (the URL pattern admits nothing else)."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        f"Sitemap: {links.absolute_url(request, reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


# --- JSON API (xkcd's format) --------------------------------------------------------------------


def _api_response(request: HttpRequest, comic: Comic | None) -> JsonResponse:
    if comic is None:
        raise Http404("No such comic")
    images = list(comic.images.all())
    img = links.image_url(request, images[0] if images else None)
    day = timezone.localtime(comic.publish_at)
    return JsonResponse(
        {
            "month": str(day.month),
            "num": comic.number,
            "link": links.safe_href(comic.link),  # never a javascript: link for a client to follow
            "year": str(day.year),
            "news": str(markup.note_html(comic.note)),
            "safe_title": comic.title,
            "transcript": comic.transcript,
            "alt": comic.alt_text,
            "img": img,  # "" when there is no image to show, as xkcd does
            "title": comic.title,
            "day": str(day.day),
        }
    )


def api_latest(request: HttpRequest, series: str | None = None) -> JsonResponse:
    return _api_response(request, selectors.comic_for_api(series_slug=series, number=None))


def api_comic(request: HttpRequest, number: int, series: str | None = None) -> JsonResponse:
    return _api_response(request, selectors.comic_for_api(series_slug=series, number=_in_range(number)))
