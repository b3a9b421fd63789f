"""Create an admin account when the database has no superuser, and say how to log in.

Safe to re-run: with a superuser present it only prints where the admin is. The password is
generated, printed once and never stored in clear; `manage.py changepassword <name>` resets it.
"""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create an admin account if none exists and print how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/")

    def handle(self, *args, username: str, url: str, **options):
        User = get_user_model()
        existing = User.objects.filter(is_superuser=True).order_by("pk").first()
        if existing:
            self.stdout.write(
                f"Admin: {url} — log in as '{existing.get_username()}' "
                f"(forgot the password? manage.py changepassword {existing.get_username()})"
            )
            return
        password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(self.style.SUCCESS(f"Created an admin account. Log in at {url}"))
        self.stdout.write(f"    username: {username}\n    password: {password}")
        self.stdout.write("This password is shown only now; `manage.py changepassword admin` sets a new one.")
