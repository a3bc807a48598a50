"""Indexes on the timestamps the figures filter by (accepted_at, resolved_at, closed_at).

The AlterFields record the indexes in the migration state and create them on PostgreSQL.
On SQLite tortoise alters a column by rebuilding the table, and the rebuilt table has no
index at all (0003's AlterField of ``status`` lost every index of ``report_case`` there);
so every index of ``report_case`` is (re)created below, under the names tortoise gives them:
``IF NOT EXISTS`` leaves the ones already there (PostgreSQL) alone. ``source`` (0003's
AddField) had its index on neither database.
"""

from tortoise import fields, migrations
from tortoise.migrations import operations as ops

INDEXES = {  # column -> tortoise's index name (BaseSchemaEditor._generate_index_name)
    "reporter_openid": "idx_report_case_reporte_ad5aaa",
    "category_code": "idx_report_case_categor_6b76c5",
    "grid_code": "idx_report_case_grid_co_6e9797",
    "community_code": "idx_report_case_communi_8a78a2",
    "status": "idx_report_case_status_6b932d",
    "assignee_openid": "idx_report_case_assigne_8a3ab0",
    "accept_due_at": "idx_report_case_accept__e68f88",
    "resolve_due_at": "idx_report_case_resolve_d53a52",
    "confirm_due_at": "idx_report_case_confirm_eec52b",
    "source": "idx_report_case_source_19c35c",
    "created_at": "idx_report_case_created_d82edd",
    "accepted_at": "idx_report_case_accepte_755e78",
    "resolved_at": "idx_report_case_resolve_3cb11f",
    "closed_at": "idx_report_case_closed__99b8ac",
}


class Migration(migrations.Migration):
    dependencies = [('reports', '0003_console')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='Case',
            name='accepted_at',
            field=fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False),
        ),
        ops.AlterField(
            model_name='Case',
            name='closed_at',
            field=fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False),
        ),
        ops.AlterField(
            model_name='Case',
            name='resolved_at',
            field=fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunSQL(
            [f'CREATE INDEX IF NOT EXISTS "{name}" ON "report_case" ("{column}")'
             for column, name in INDEXES.items()],
            reverse_sql=""),
    ]
