"""The author admin: the stock Django admin with thumbnails, states, publishing actions and bulk upload.

Actions that need an answer (publish despite missing alt text, schedule, move to chapter) render an
intermediate page that posts back to the change list, as Django's own "delete selected" does.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.humanize.templatetags.humanize import ordinal
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from comics import services
from comics.forms import (
    BulkUploadForm,
    ChapterAdminForm,
    CharacterAdminForm,
    ComicAdminForm,
    ComicImageForm,
    MoveToChapterForm,
    ScheduleForm,
    SeriesAdminForm,
    comic_missing_text,
)
from comics.models import Chapter, Character, Comic, ComicImage, Series, Tag

admin.site.site_header = settings.SITE_TITLE
admin.site.site_title = settings.SITE_TITLE
admin.site.index_title = "Author admin"


def image_thumbnail(image: ComicImage | None):
    """A small image for lists and the inline; a badge when there is none to show."""
    if image is None:
        return format_html('<span class="taleas-badge">{}</span>', "no image")
    if image.is_missing:
        return format_html(
            '<span class="taleas-badge taleas-badge-missing" title="Kept from the import: {}">image missing</span>',
            image.source_url or "no address",
        )
    thumb = image.variants.get("thumb") or {}
    src = image.url("thumb.webp") if thumb else image.url()
    return format_html(
        '<img class="taleas-thumb" src="{}" width="{}" height="{}" alt="" loading="lazy">',
        src,
        thumb.get("w") or image.width or "",
        thumb.get("h") or image.height or "",
    )


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("draft", "Draft"), ("scheduled", "Scheduled"), ("published", "Published")]

    def queryset(self, request, queryset):
        match self.value():
            case "draft":
                return queryset.filter(status=Comic.Status.DRAFT)
            case "scheduled":
                return queryset.scheduled()
            case "published":
                return queryset.published()
        return queryset


class ImageFilter(admin.SimpleListFilter):
    title = "image"
    parameter_name = "image"

    def lookups(self, request, model_admin):
        return [("missing", "Image missing (imported, file not at hand)"), ("none", "No image at all")]

    def queryset(self, request, queryset):
        images = ComicImage.objects.filter(comic=OuterRef("pk"))
        match self.value():
            case "missing":
                return queryset.filter(Exists(images.filter(file="")))
            case "none":
                return queryset.filter(~Exists(images))
        return queryset


class ComicImageInline(admin.TabularInline):
    model = ComicImage
    form = ComicImageForm
    verbose_name = "image"
    verbose_name_plural = "images (shown in this order, lowest position first)"
    fields = ("thumbnail", "file", "position")
    readonly_fields = ("thumbnail",)
    ordering = ("position", "id")
    extra = 1

    @admin.display(description="Image")
    def thumbnail(self, image):
        return image_thumbnail(image) if image.pk else ""


@admin.register(Comic)
class ComicAdmin(admin.ModelAdmin):
    form = ComicAdminForm
    inlines = [ComicImageInline]
    list_display = ("thumbnail", "number", "title", "chapter", "series", "state")
    list_display_links = ("number", "title")
    list_filter = ("series", "chapter", StateFilter, "tags", ImageFilter)
    list_select_related = ("series", "chapter")
    # number__exact compares the number as text, so a word in the search box is no error.
    search_fields = ("title", "alt_text", "transcript", "number__exact")
    date_hierarchy = "publish_at"
    ordering = ("-number",)
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("tags", "characters")
    actions = ["publish_now", "schedule", "move_to_chapter", "unpublish"]
    fieldsets = [
        (None, {"fields": ("series", "number", "title", "slug")}),
        ("Publication", {"fields": ("status", "publish_at", "publish_anyway")}),
        ("Text", {"fields": ("alt_text", "description", "transcript", "note", "link")}),
        ("Chapter, tags and characters", {"fields": ("chapter", "tags", "characters")}),
    ]

    class Media:
        js = ["js/admin_comic_number.js"]

    def get_queryset(self, request):
        images = ComicImage.objects.order_by("position", "id")
        return super().get_queryset(request).prefetch_related(Prefetch("images", queryset=images))

    @admin.display(description="Image")
    def thumbnail(self, comic):
        images = comic.images.all()
        return image_thumbnail(images[0] if images else None)

    @admin.display(description="State", ordering="publish_at")
    def state(self, comic):
        return comic.state_label

    def view_on_site(self, comic):
        return comic.get_absolute_url() if comic.is_visible else None

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk and not obj.is_visible:
            context["preview_url"] = reverse("comics:preview", kwargs={"pk": obj.pk})
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ComicImage:
            return super().save_formset(request, form, formset, change)
        # New uploads go through the upload service (real format, variants); the rest are plain edits.
        formset.save(commit=False)
        for image in formset.deleted_objects:
            services.comic_image_delete(image=image)
        for image_form in formset.forms:
            if image_form in formset.deleted_forms or not image_form.has_changed():
                continue
            upload = image_form.cleaned_data.get("file")
            if isinstance(upload, UploadedFile):
                position = image_form.cleaned_data["position"] if "position" in image_form.changed_data else None
                services.comic_image_add(comic=form.instance, fileobj=upload, filename=upload.name, position=position)
                if image_form.instance.pk:  # a new file for an existing (perhaps missing) image
                    services.comic_image_delete(image=image_form.instance)
            elif image_form.instance.pk:
                image_form.instance.save()

    # --- Actions ---------------------------------------------------------------------------------

    def _action_page(self, request, queryset, *, action, title, form=None, warnings=(), button):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "queryset": queryset,
            "action": action,
            "form": form,
            "warnings": warnings,
            "button": button,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media if form else self.media,
        }
        return TemplateResponse(request, "admin/comics/comic/action_page.html", context)

    @staticmethod
    def _lacking_text(comics):
        return [
            (comic, missing)
            for comic in comics
            if (missing := comic_missing_text(alt_text=comic.alt_text, transcript=comic.transcript))
        ]

    @admin.action(description="Publish now", permissions=["change"])
    def publish_now(self, request, queryset):
        # Comics readers already see keep their date: "publish now" must not move them in the feed.
        comics = [comic for comic in queryset if not comic.is_visible]
        lacking = self._lacking_text(comics)
        if lacking and request.POST.get("confirm") != "yes":
            return self._action_page(
                request,
                comics,
                action="publish_now",
                title="Publish comics without alt text or transcript?",
                warnings=lacking,
                button="Publish anyway",
            )
        for comic in comics:
            services.comic_publish(comic=comic)
        self.message_user(request, f"Published {len(comics)} comic(s).", messages.SUCCESS)

    @admin.action(description="Schedule…", permissions=["change"])
    def schedule(self, request, queryset):
        comics = list(queryset)
        form = ScheduleForm(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            return self._action_page(
                request,
                comics,
                action="schedule",
                title="Schedule comics",
                form=form,
                warnings=self._lacking_text(comics),
                button="Schedule",
            )
        publish_at = form.cleaned_data["publish_at"]
        for comic in comics:
            services.comic_schedule(comic=comic, publish_at=publish_at)
        label = comics[0].state_label if comics else ""
        self.message_user(request, f"{len(comics)} comic(s): {label}.", messages.SUCCESS)

    @admin.action(description="Move to chapter…", permissions=["change"])
    def move_to_chapter(self, request, queryset):
        comics = list(queryset.select_related("series"))
        form = MoveToChapterForm(request.POST if "confirm" in request.POST else None)
        if not form.is_valid():
            return self._action_page(
                request, comics, action="move_to_chapter", title="Move comics to a chapter", form=form, button="Move"
            )
        chapter = form.cleaned_data["chapter"]
        try:
            moved = services.comics_move_to_chapter(comics=comics, chapter=chapter)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return None
        self.message_user(request, f"Moved {moved} comic(s) to “{chapter}”.", messages.SUCCESS)

    @admin.action(description="Unpublish (back to draft)", permissions=["change"])
    def unpublish(self, request, queryset):
        comics = list(queryset)
        for comic in comics:
            services.comic_unpublish(comic=comic)
        self.message_user(request, f"{len(comics)} comic(s) are drafts again.", messages.SUCCESS)

    # --- Bulk upload -----------------------------------------------------------------------------

    def get_urls(self):
        return [
            path("bulk-upload/", self.admin_site.admin_view(self.bulk_upload_view), name="comics_comic_bulk_upload"),
            *super().get_urls(),
        ]

    def bulk_upload_view(self, request):
        """Many images become draft (or scheduled) comics. Bad files are listed; the good ones are kept."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = BulkUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            result = services.comics_bulk_create(
                files=data["files"],
                series=data["series"],
                chapter=data["chapter"],
                start=data["start"],
                weekdays=data["weekdays"],
            )
            refused = format_html_join("", "<li>{} — {}</li>", result.failed)
            if result.created:
                first, last = result.created[0], result.created[-1]
                # The last date too: the next batch's schedule can start after it.
                state = (
                    f"scheduled from {first.state_label.removeprefix('Scheduled for ')} "
                    f"to {last.state_label.removeprefix('Scheduled for ')}"
                    if data["start"]
                    else "drafts"
                )
                self.message_user(
                    request,
                    f"Created {len(result.created)} comic(s), #{first.number}–#{last.number} ({state}).",
                    messages.SUCCESS,
                )
                if result.failed:
                    self.message_user(
                        request,
                        format_html(
                            '{} file(s) not uploaded:<ul class="taleas-refused">{}</ul>', len(result.failed), refused
                        ),
                        messages.ERROR,
                    )
                return redirect("admin:comics_comic_changelist")
            # One error a line: the form's error list shows each refused file on its own.
            form.add_error("files", ["No comic was created.", *(f"{name} — {why}" for name, why in result.failed)])
        adminform = helpers.AdminForm(
            form, [(None, {"fields": ["files", "series", "chapter", "start", "weekdays", "schedule_anyway"]})], {}
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Bulk upload",
            "opts": self.model._meta,
            "adminform": adminform,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/comics/comic/bulk_upload.html", context)


@admin.register(Chapter)
class ChapterAdmin(admin.ModelAdmin):
    form = ChapterAdminForm
    list_display = ("title", "series", "position", "move", "comic_count")
    list_editable = ("position",)
    list_filter = ("series",)
    list_select_related = ("series",)
    search_fields = ("title",)
    ordering = ("series", "position", "id")
    prepopulated_fields = {"slug": ("title",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(comic_count=Count("comics"))

    @admin.display(description="Comics", ordering="comic_count")
    def comic_count(self, chapter):
        return chapter.comic_count

    @admin.display(description="Move")
    def move(self, chapter):
        # Buttons of the change list's own form (it carries the CSRF token), sent to the move view.
        return format_html_join(
            " ",
            '<button type="submit" class="button" formaction="{}" formnovalidate aria-label="{}">{}</button>',
            [
                (
                    reverse("admin:comics_chapter_move", args=[chapter.pk, direction]),
                    f"Move {chapter} {direction}",
                    arrow,
                )
                for direction, arrow in (("up", "↑"), ("down", "↓"))
            ],
        )

    @staticmethod
    def _place(chapter) -> tuple[int, int]:
        """Where `chapter` stands in its series' order (1-based), and how many chapters there are."""
        order = list(
            Chapter.objects.filter(series_id=chapter.series_id).order_by("position", "id").values_list("pk", flat=True)
        )
        return order.index(chapter.pk) + 1, len(order)

    def get_urls(self):
        view = self.admin_site.admin_view(require_POST(self.move_view))
        return [path("<int:pk>/move/<str:direction>/", view, name="comics_chapter_move"), *super().get_urls()]

    def move_view(self, request, pk, direction):
        chapter = get_object_or_404(Chapter, pk=pk)
        if not self.has_change_permission(request, chapter) or direction not in {"up", "down"}:
            raise PermissionDenied
        before = self._place(chapter)
        services.chapter_move(chapter=chapter, offset=-1 if direction == "up" else 1)
        place, count = self._place(chapter)
        if (place, count) == before:
            edge = "first" if direction == "up" else "last"
            self.message_user(request, f"“{chapter}” is already {edge} of {count}.", messages.WARNING)
        else:
            self.message_user(
                request, f"Moved “{chapter}” {direction}: now {ordinal(place)} of {count}.", messages.SUCCESS
            )
        # Back to the list as it was (its filters are in the address the button was pressed on).
        back = request.headers.get("referer", "")
        if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            return redirect(back)
        return redirect("admin:comics_chapter_changelist")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "comic_count")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(comic_count=Count("comics"))

    @admin.display(description="Comics", ordering="comic_count")
    def comic_count(self, tag):
        return tag.comic_count


@admin.register(Character)
class CharacterAdmin(admin.ModelAdmin):
    form = CharacterAdminForm
    list_display = ("name", "code", "appearances")
    search_fields = ("name", "code")
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(appearances=Count("comics"))

    @admin.display(description="Appearances", ordering="appearances")
    def appearances(self, character):
        return character.appearances


@admin.register(Series)
class SeriesAdmin(admin.ModelAdmin):
    form = SeriesAdminForm
    list_display = ("title", "slug", "is_default", "position")
    fields = ("title", "slug", "description", "make_default", "position")
    prepopulated_fields = {"slug": ("title",)}

    def save_model(self, request, obj, form, change):
        if form.cleaned_data["make_default"]:
            services.series_make_default(series=obj)
        else:
            super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_default:
            return False
        return super().has_delete_permission(request, obj)
