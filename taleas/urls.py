from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
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
    path("sitemap.xml", sitemap, {"sitemaps": sitemaps}, name="sitemap"),
    path("healthz", healthz, name="healthz"),
    path("", include("comics.urls")),
]
