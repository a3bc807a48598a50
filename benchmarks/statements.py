"""SQL statements per write operation (issue 17): the profile of docs/benchmarks.md.

    .venv/bin/python -m benchmarks.statements [--sql] [--sqlite]

Runs ``tests/test_report_statements.py`` on PostgreSQL + Redis (as the tests connect:
``LINLI_TEST_PG_URL``, ``LINLI_TEST_REDIS_URL``; add ``--sqlite`` for SQLite + fakeredis too)
and prints, per operation, every statement by verb and table and the total: a 随手拍 submitted
in chat (the 确认 that creates the case), ``POST /api/v1/reports`` with a photo, and a plain
帮助 through the webhook. ``--sql`` prints the statements themselves. Counted at the database
drivers (``tests/support/sqlcount.py``): every round trip, BEGIN and COMMIT included, after
one warm-up of the same operation. Exit status: pytest's (1 when a count exceeds its pin).
"""

from __future__ import annotations

import argparse
import os
import sys

import pytest

from benchmarks.webhook_bench import ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sql", action="store_true", help="print each statement too")
    parser.add_argument("--sqlite", action="store_true", help="SQLite + fakeredis as well")
    args = parser.parse_args(argv)
    os.environ["LINLI_STATEMENTS_SHOW"] = "sql" if args.sql else "1"
    os.chdir(ROOT)
    select = [] if args.sqlite else ["-k", "postgres"]
    return int(pytest.main(["-q", "-s", "-p", "no:cacheprovider", *select,
                            str(ROOT / "tests" / "test_report_statements.py")]))


if __name__ == "__main__":
    sys.exit(main())
