"""``linli`` as operators expect it: one line on stderr and a documented exit code for every
expected failure, never a traceback; --version; the same database from any directory.

In-process (``bot.cli.main``) except where the process itself is the point: a closed pipe
and another working directory (two subprocess tests, about 1 s each).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import bot
from bot import cli
from bot.cli import failures
from bot.config import Settings, data_dir
from tests.support.cli import use_backend

CHECKOUT = Path(bot.__file__).resolve().parents[1]


@pytest.fixture
def env(monkeypatch):
    for name in [n for n in os.environ if n.startswith("LINLI_")]:
        monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def migrated_copy(sqlite_url: str, tmp_path: Path) -> Path:
    """A migrated SQLite database of the test's own (a copy of the session's)."""
    path = tmp_path / "copy.sqlite3"
    shutil.copy(sqlite_url.removeprefix("sqlite://"), path)
    return path


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code == 0
    from importlib.metadata import version

    assert capsys.readouterr().out == f"linli {version('linli')}\n"


def test_help_documents_the_exit_codes(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert "exit codes:" in out and "141" in out
    for code in ("0 ", "1 ", "2 "):
        assert f"\n  {code}" in out


def test_a_wrong_argument_is_usage_2(env, capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["points", "grant", "o-x", "many", "--reason", "x"])
    assert done.value.code == 2
    assert "invalid int value" in capsys.readouterr().err


def test_a_wrong_setting_is_configuration_2(env, capsys):
    env.setenv("LINLI_DATABASE_URL", "mysql://nowhere")
    assert cli.main(["reports", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("configuration error: LINLI_DATABASE_URL") and err.count("\n") == 1


def test_no_database_file_is_not_created(env, capsys, tmp_path):
    path = tmp_path / "nothing" / "linli.sqlite3"
    env.setenv("LINLI_DATABASE_URL", f"sqlite://{path}")
    assert cli.main(["reports", "list"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: there is no database at {path} (no such file): run `linli migrate`\n"
    assert not path.exists() and not path.parent.exists()


def test_an_empty_database_is_named_and_left_alone(env, capsys, tmp_path):
    path = tmp_path / "empty.sqlite3"
    path.touch()
    env.setenv("LINLI_DATABASE_URL", f"sqlite://{path}")
    assert cli.main(["points", "balance", "o-x"]) == 2
    assert capsys.readouterr().err == (
        f"error: the database at {path} is empty (never migrated): run `linli migrate`\n")
    assert sqlite3.connect(path).execute("SELECT name FROM sqlite_master").fetchall() == []


def test_a_database_missing_a_newer_table_says_migrate(env, capsys, migrated_copy):
    with sqlite3.connect(migrated_copy) as conn:
        conn.execute('DROP TABLE report_case')
    env.setenv("LINLI_DATABASE_URL", f"sqlite://{migrated_copy}")
    assert cli.main(["reports", "list"]) == 2
    assert capsys.readouterr().err == (f"error: the database at {migrated_copy} is not "
                                       "migrated to this version: run `linli migrate`\n")


def test_migrate_names_the_database(env, capsys, tmp_path):
    path = tmp_path / "new.sqlite3"
    env.setenv("LINLI_DATABASE_URL", f"sqlite://{path}")
    assert cli.main(["migrate"]) == 0
    assert capsys.readouterr().out == f"migrations applied to {path}\n"
    assert cli.main(["reports", "list", "--json"]) == 0
    assert capsys.readouterr().out == "[]\n"


def test_an_empty_postgres_database(env, capsys, pg_url):
    empty = pg_url.rsplit("/", 1)[0] + "/template1"  # exists, never migrated
    env.setenv("LINLI_DATABASE_URL", empty)
    assert cli.main(["staff", "list"]) == 2
    assert capsys.readouterr().err == ("error: the database at 127.0.0.1:5432/template1 is "
                                       "empty (never migrated): run `linli migrate`\n")


@pytest.mark.parametrize("url, where, detail", [
    ("postgres://linli:s3cret@127.0.0.1:1/linli", "127.0.0.1:1/linli", "Connect call failed"),
    ("postgres://postgres@127.0.0.1:5432/linli_no_such_db", "127.0.0.1:5432/linli_no_such_db",
     "linli_no_such_db"),
    ("postgres://postgres@no-such-host.invalid/x", "no-such-host.invalid:5432/x", ""),
])
def test_postgres_unreachable_is_1(env, capsys, url, where, detail):
    env.setenv("LINLI_DATABASE_URL", url)
    assert cli.main(["reports", "list"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: cannot reach PostgreSQL at {where} (") and detail in err
    assert err.count("\n") == 1 and "s3cret" not in err and "Traceback" not in err
    env.setenv("LINLI_DATABASE_URL", url)
    assert cli.main(["migrate"]) == 1
    assert f"cannot reach PostgreSQL at {where}" in capsys.readouterr().err


def test_redis_unreachable_is_1(env, capsys, migrated_copy):
    env.setenv("LINLI_DATABASE_URL", f"sqlite://{migrated_copy}")
    env.setenv("LINLI_REDIS_URL", "redis://:s3cret@127.0.0.1:1/3")
    assert cli.main(["sessions", "revoke", "o-x"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: cannot reach Redis at 127.0.0.1:1/3 (") and "s3cret" not in err
    assert err.count("\n") == 1


def test_a_bug_keeps_its_traceback(env, monkeypatch):
    from bot.cli import reports

    def broken(_args):
        raise RuntimeError("a bug")

    monkeypatch.setattr(reports, "run_list", broken)  # registered when main() parses
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main(["reports", "list"])


def test_explain_walks_the_cause_chain():
    from redis.exceptions import ConnectionError as RedisConnectionError

    try:
        try:
            raise RedisConnectionError("Error 111 connecting to 10.0.0.9:6379.")
        except RedisConnectionError as inner:
            raise RuntimeError("wrapped") from inner
    except RuntimeError as outer:
        code, line = failures.explain(outer)
    assert code == 1 and "cannot reach Redis" in line and "Error 111" in line
    assert failures.explain(ValueError("no")) is None


def test_default_database_is_the_checkouts_from_any_directory(env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.database_url == f"sqlite://{CHECKOUT / 'var' / 'linli.sqlite3'}"
    assert settings.media_dir == CHECKOUT / "var" / "media"
    # Installed from a wheel (no checkout around the package): the XDG data directory.
    elsewhere = tmp_path / "site-packages"
    assert data_dir({"XDG_DATA_HOME": "/srv/data"}, checkout=elsewhere) == Path(
        "/srv/data/linli")
    assert data_dir({}, checkout=elsewhere) == Path.home() / ".local/share/linli"


def test_from_another_directory_nothing_is_created_there(tmp_path):
    """The bug report: run elsewhere, the CLI made ./var/linli.sqlite3 and crashed."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINLI_")}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "reports", "list", "--json"],
                          cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=60)
    assert list(tmp_path.iterdir()) == []
    assert "Traceback" not in done.stderr
    database = CHECKOUT / "var" / "linli.sqlite3"
    if done.returncode == 2:  # no `make run` on this checkout yet: it says where it looked
        assert str(database) in done.stderr and "linli migrate" in done.stderr
    else:
        assert done.returncode == 0, done.stderr
        assert isinstance(json.loads(done.stdout), list)


def test_a_closed_pipe_is_quiet(migrated_copy):
    """``linli grids list | head -1``: the reader is gone before linli writes."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("LINLI_")},
           "LINLI_DATABASE_URL": f"sqlite://{migrated_copy}"}
    proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "grids", "list"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == failures.BROKEN_PIPE
    assert err == ""


def test_use_backend_points_at_the_backend(backend, monkeypatch, capsys):
    use_backend(monkeypatch, backend)
    assert cli.main(["staff", "list", "--json"]) == 0
    assert isinstance(json.loads(capsys.readouterr().out), list)
