from django.db import migrations


def create_default_series(apps, schema_editor):
    Series = apps.get_model("comics", "Series")
    if not Series.objects.filter(is_default=True).exists():
        Series.objects.create(title="Main story", slug="main", is_default=True)


class Migration(migrations.Migration):
    dependencies = [("comics", "0001_initial")]
    operations = [migrations.RunPython(create_default_series, migrations.RunPython.noop)]
