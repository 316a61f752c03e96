"""The standard articles and reply templates that ship with the product (knowledge/seed/).

Idempotent: creates only what does not exist (see knowledge.seeding). Later releases that ship
more run ``aftersales knowledge-seed``.
"""

from types import SimpleNamespace

from django.db import migrations


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    from aftersales.knowledge.seeding import load

    models = SimpleNamespace(
        ArticleGroup=apps.get_model("knowledge", "ArticleGroup"),
        Article=apps.get_model("knowledge", "Article"),
        ArticleVersion=apps.get_model("knowledge", "ArticleVersion"),
        Macro=apps.get_model("knowledge", "Macro"),
        MacroText=apps.get_model("knowledge", "MacroText"),
        Category=apps.get_model("tickets", "Category"),
    )
    load(models=models)


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0001_initial"),
        ("tickets", "0002_default_categories"),
        ("core", "0003_searchdoc"),  # the seeded articles go into the search index
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
