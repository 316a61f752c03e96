"""SearchDoc.title_tokens: the title's own tokens, so that search ranks title matches first.

The column is added with plain SQL (``ADD COLUMN … DEFAULT ''``: instant on both databases)
rather than Django's AddField, which on SQLite rebuilds the table and would drop the FTS5
triggers of migration 0003. The existing documents' titles are then tokenized here, in batches,
so ranking works right after the upgrade without ``aftersales reindex`` (≈ 10 s per 100,000
documents; see docs/search.md).
"""

from django.db import migrations, models

BATCH = 2_000


def fill_title_tokens(apps, schema_editor):
    from aftersales.core.search.tokens import index_tokens

    connection = schema_editor.connection
    last = 0
    with connection.cursor() as cursor:
        while True:
            cursor.execute("SELECT id, title FROM core_searchdoc WHERE id > %s ORDER BY id LIMIT %s", [last, BATCH])
            rows = cursor.fetchall()
            if not rows:
                return
            last = rows[-1][0]
            updates = [(index_tokens(title or ""), pk) for pk, title in rows]
            cursor.executemany(
                "UPDATE core_searchdoc SET title_tokens = %s WHERE id = %s", [u for u in updates if u[0]]
            )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_searchdoc"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="searchdoc",
                    name="title_tokens",
                    field=models.TextField(blank=True, default=""),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    "ALTER TABLE core_searchdoc ADD COLUMN title_tokens text NOT NULL DEFAULT ''",
                    "ALTER TABLE core_searchdoc DROP COLUMN title_tokens",
                ),
            ],
        ),
        migrations.RunPython(fill_title_tokens, migrations.RunPython.noop),
    ]
