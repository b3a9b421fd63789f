from django.http import HttpResponsePermanentRedirect

from comics.signals import series_menu


class DefaultSeriesPrefixMiddleware:
    """/s/<default series>/… redirects to the same page without the prefix: the default series'
    pages live at the top of the site, and an old or hand-typed prefixed address still lands."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/s/"):
            slug, _, rest = request.path[3:].partition("/")
            if any(is_default and slug == menu_slug for menu_slug, _, is_default in series_menu()):
                query = request.META.get("QUERY_STRING", "")
                return HttpResponsePermanentRedirect(f"/{rest}" + (f"?{query}" if query else ""))
        return self.get_response(request)
