import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from comics.models import Chapter, Character, Comic, ComicImage
from tests import factories


def test_demo_comic_has_thirty_strips_in_three_chapters_with_images(db, capsys):
    call_command("load_demo", "--if-empty")
    assert Comic.objects.count() == 30
    assert Chapter.objects.count() == 3
    assert set(Character.objects.values_list("name", flat=True)) == {"Pip", "Moss", "Biscuit"}
    assert ComicImage.objects.filter(file="").count() == 0
    assert ComicImage.objects.count() == 30
    first = Comic.objects.get(number=1)
    assert first.transcript.startswith("Panel 1. Pip:")
    assert first.tags.exists() and first.characters.exists()
    assert "Loaded the demo comic: 30 strips in 3 chapters." in capsys.readouterr().out


def test_demo_comic_keeps_its_last_two_strips_scheduled(db):
    call_command("load_demo")
    assert Comic.objects.published().count() == 28
    assert list(Comic.objects.scheduled().values_list("number", flat=True)) == [29, 30]
    assert Comic.objects.published().order_by("-number").first().publish_at < timezone.now()


def test_demo_is_not_loaded_over_an_authors_comic(series, capsys):
    factories.comic(number=1, title="My own comic")
    call_command("load_demo", "--if-empty")
    assert Comic.objects.count() == 1
    assert "demo content not loaded" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("load_demo")


def test_ensure_admin_creates_one_account_and_prints_how_to_log_in(db, django_user_model, capsys):
    call_command("ensure_admin")
    out = capsys.readouterr().out
    user = django_user_model.objects.get()
    password = out.split("password: ")[1].split()[0]
    assert user.is_superuser and user.check_password(password)
    call_command("ensure_admin")
    assert django_user_model.objects.count() == 1
    assert "log in as 'admin'" in capsys.readouterr().out
