from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.http import HttpResponse
from django.urls import include, path

from comics.sitemaps import sitemaps
from comics.views import robots_txt


def healthz(request):
    """For the load balancer and the benchmarks' floor: answers without touching the database."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("robots.txt", robots_txt, name="robots"),
    # An index of one sitemap per section, each split in pages of its `limit` (comics: 5,000).
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": sitemaps, "sitemap_url_name": "sitemap-section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": sitemaps}, name="sitemap-section"),
    path("healthz", healthz, name="healthz"),
    path("", include("comics.urls")),
]
