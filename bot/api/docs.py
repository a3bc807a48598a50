"""``python -m bot.api.docs [--write]``: the endpoint table of docs/api.md, from the
declarations (``--write`` puts it between the markers in docs/api.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.api import PREFIX, operations

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
START, END = "<!-- endpoints:start -->", "<!-- endpoints:end -->"


def _roles(op) -> str:
    if op.public:
        return "public"
    if op.roles is None:
        return "signed in"
    return ", ".join(sorted(r.value for r in op.roles))


def table() -> str:
    lines = ["| method | path | who | idempotent | statuses | what |",
             "|---|---|---|---|---|---|"]
    for op in operations():
        statuses = ", ".join(str(s) for s in op.statuses())
        lines.append(f"| {op.method} | `{PREFIX}{op.path}` | {_roles(op)} | "
                     f"{'yes' if op.idempotent else ''} | {statuses} | {op.summary} |")
    return "\n".join(lines)


def embedded(text: str) -> str:
    """The table between the markers of ``text``."""
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def write(path: Path = DOC) -> None:
    text = path.read_text()
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    path.write_text(f"{head}{START}\n{table()}\n{END}{tail}")


if __name__ == "__main__":
    if "--write" in sys.argv[1:]:
        write()
    else:
        print(table())
