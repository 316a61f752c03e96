"""Drop five single-column foreign-key indexes that a composite index already starts with
(customer, owner and team on tickets; the ticket of messages and of events): every new ticket, note
and event wrote them for no query. Dropped by name rather than by ``AlterField``'s database side,
which on SQLite copies the table into a new one and so would also drop the daily-figures triggers
on ``tickets_ticket`` (``reports.0002``)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (index, table, column): the names Django gave them, the same on SQLite and PostgreSQL.
DROPPED = [
    ("tickets_ticket_customer_id_f2d9135a", "tickets_ticket", "customer_id"),
    ("tickets_ticket_owner_id_40236788", "tickets_ticket", "owner_id"),
    ("tickets_ticket_team_id_5a4e7469", "tickets_ticket", "team_id"),
    ("tickets_message_ticket_id_a1134910", "tickets_message", "ticket_id"),
    ("tickets_ticketevent_ticket_id_b572d14b", "tickets_ticketevent", "ticket_id"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0006_provisional'),
        ('people', '0004_two_factor'),
        ('tickets', '0008_report_backlog_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}",
                                  reverse_sql=f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})")
                for name, table, column in DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='message',
                    name='ticket',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='messages', to='tickets.ticket'),
                ),
                migrations.AlterField(
                    model_name='ticket',
                    name='customer',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='customers.customer', verbose_name='customer'),
                ),
                migrations.AlterField(
                    model_name='ticket',
                    name='owner',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='owned_tickets', to=settings.AUTH_USER_MODEL, verbose_name='owner'),
                ),
                migrations.AlterField(
                    model_name='ticket',
                    name='team',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='tickets', to='people.team', verbose_name='team'),
                ),
                migrations.AlterField(
                    model_name='ticketevent',
                    name='ticket',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='tickets.ticket'),
                ),
            ],
        ),
    ]
