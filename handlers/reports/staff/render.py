"""Staff chat text made from values: the 我的待办 list."""

from __future__ import annotations

from handlers.reports import render
from handlers.reports.staff import texts as t
from handlers.reports.staff.queries import due_of, my_cases
from storage.core.models import Person

SHOWN = 10


async def todo_text(person: Person) -> str:
    cases = await my_cases(person)
    if not cases:
        return t.TODO_EMPTY
    await render.load_category_names()
    lines = [t.TODO_HEAD.format(count=len(cases))]
    for case in cases[:SHOWN]:
        what, due = due_of(case)
        lines.append(t.TODO_LINE.format(line=render.list_line(case, await render.place_of(case)),
                                        due=t.TODO_DUE.format(what=what, at=render.when(due))))
    if len(cases) > SHOWN:
        lines.append(t.TODO_MORE.format(more=len(cases) - SHOWN))
    return "\n".join(lines)
