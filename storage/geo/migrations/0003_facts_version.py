"""The reference facts' version (issue 17): one row, bumped by triggers in the database.

``linli_facts`` holds one row whose ``version`` changes whenever a reference table does:
categories, streets, communities, grids, compounds, buildings, and the people whose routing
facts change (a staff member's role, grid, org, name or openid; a staff member added or
removed). Triggers see every writer - the ORM, a bulk ``update()``, ``psql`` - so each process
may keep what it read from those tables until the version moves (``storage.facts``).

The version is never reused, even across rollbacks: PostgreSQL takes it from a sequence (a
random start per database, so two databases in one process never share a value), SQLite
from ``random()``. The table is no tortoise model: the tests' truncation leaves it alone, and
PostgreSQL's ``TRUNCATE`` of a reference table bumps it through a statement trigger.
"""

import secrets

from tortoise import migrations
from tortoise.migrations import operations as ops

TABLES = ("geo_category", "geo_street", "geo_community", "geo_grid", "geo_compound",
          "geo_building")
NOT_STAFF = "('resident', 'volunteer')"
ROUTING = ("role", "grid", "org", "name", "openid")


def _pg(start: int) -> list[str]:
    changed = " OR ".join(f'OLD."{c}" IS DISTINCT FROM NEW."{c}"' for c in ROUTING)
    sql = [
        f"CREATE SEQUENCE IF NOT EXISTS linli_facts_seq START WITH {start}",
        "CREATE TABLE IF NOT EXISTS linli_facts (id INT PRIMARY KEY, version BIGINT NOT NULL)",
        "INSERT INTO linli_facts (id, version) VALUES (1, nextval('linli_facts_seq'))"
        " ON CONFLICT (id) DO NOTHING",
        "CREATE OR REPLACE FUNCTION linli_facts_bump() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN UPDATE linli_facts SET version = nextval('linli_facts_seq') WHERE id = 1;"
        " RETURN NULL; END $$",
    ]
    for table in TABLES:
        sql += [
            f'CREATE TRIGGER linli_facts_change AFTER INSERT OR DELETE OR TRUNCATE ON "{table}"'
            " FOR EACH STATEMENT EXECUTE FUNCTION linli_facts_bump()",
            f'CREATE TRIGGER linli_facts_update AFTER UPDATE ON "{table}" FOR EACH ROW'
            " WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION linli_facts_bump()",
        ]
    sql += [
        'CREATE TRIGGER linli_facts_insert AFTER INSERT ON "person" FOR EACH ROW'
        f" WHEN (NEW.role NOT IN {NOT_STAFF}) EXECUTE FUNCTION linli_facts_bump()",
        'CREATE TRIGGER linli_facts_delete AFTER DELETE ON "person" FOR EACH ROW'
        f" WHEN (OLD.role NOT IN {NOT_STAFF}) EXECUTE FUNCTION linli_facts_bump()",
        'CREATE TRIGGER linli_facts_update AFTER UPDATE ON "person" FOR EACH ROW'
        f" WHEN (OLD.role IS DISTINCT FROM NEW.role OR (NEW.role NOT IN {NOT_STAFF} AND"
        f" ({changed}))) EXECUTE FUNCTION linli_facts_bump()",
        'CREATE TRIGGER linli_facts_truncate AFTER TRUNCATE ON "person"'
        " FOR EACH STATEMENT EXECUTE FUNCTION linli_facts_bump()",
    ]
    return sql


def _sqlite() -> list[str]:
    bump = "BEGIN UPDATE linli_facts SET version = abs(random()) WHERE id = 1; END"
    changed = " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in ROUTING)
    sql = [
        "CREATE TABLE IF NOT EXISTS linli_facts (id INTEGER PRIMARY KEY,"
        " version INTEGER NOT NULL)",
        "INSERT OR IGNORE INTO linli_facts (id, version) VALUES (1, abs(random()))",
    ]
    for table in TABLES:
        sql += [f'CREATE TRIGGER IF NOT EXISTS linli_facts_{table}_{event.lower()} AFTER {event}'
                f' ON "{table}" {bump}' for event in ("INSERT", "UPDATE", "DELETE")]
    sql += [
        'CREATE TRIGGER IF NOT EXISTS linli_facts_person_insert AFTER INSERT ON "person"'
        f" WHEN NEW.role NOT IN {NOT_STAFF} {bump}",
        'CREATE TRIGGER IF NOT EXISTS linli_facts_person_delete AFTER DELETE ON "person"'
        f" WHEN OLD.role NOT IN {NOT_STAFF} {bump}",
        'CREATE TRIGGER IF NOT EXISTS linli_facts_person_update AFTER UPDATE ON "person"'
        f" WHEN OLD.role IS NOT NEW.role OR (NEW.role NOT IN {NOT_STAFF} AND ({changed}))"
        f" {bump}",
    ]
    return sql


async def forward(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        statements = _pg(1 + secrets.randbelow(2**40) * 2**20)
    else:
        statements = _sqlite()
    for sql in statements:  # whole: the schema editor would split a trigger's body at ";"
        await schema_editor.client.execute_script(sql)


class Migration(migrations.Migration):
    dependencies = [("geo", "0002_review"), ("core", "0007_person_conflict")]

    initial = False

    operations = [ops.RunPython(forward, reverse_code=ops.RunPython.noop)]
