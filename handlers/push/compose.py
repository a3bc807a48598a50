"""What one delivery says: several pending changes of one subject become one message,
and when pushes may go out at all (quiet hours)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from handlers.ports import Notice
from storage import clock
from storage.core.models import OutboxMessage

QUIET_FROM, QUIET_UNTIL = 22, 7  # Asia/Shanghai hours: non-urgent pushes wait till 07:00
DEFAULT_TITLE = "邻里通知"
DEFAULT_STATUS = "新消息"
MORE = "等{n}条进展"


def quiet_until(now: datetime | None = None) -> datetime | None:
    """End of the quiet hours (UTC) if ``now`` falls in them, else None."""
    local = clock.local(now)
    if QUIET_UNTIL <= local.hour < QUIET_FROM:
        return None
    day = local if local.hour < QUIET_UNTIL else local + timedelta(days=1)
    return day.replace(hour=QUIET_UNTIL, minute=0, second=0, microsecond=0).astimezone(UTC)


def compose(rows: list[OutboxMessage]) -> tuple[str, Notice]:
    """One message for rows of one person and subject, oldest first.

    A single row says its own text. Several list each change once (``line``, or the text),
    under the latest row's ``head``; structured channels get the latest state.
    """
    last = rows[-1].payload
    if len(rows) == 1:
        text = last["text"]
        lines = [last.get("line") or text]
    else:
        lines = []
        for row in rows:
            line = row.payload.get("line") or row.payload["text"]
            if line not in lines:
                lines.append(line)
        head = last.get("head") or ""
        text = "\n".join([head, *(f"· {line}" for line in lines)] if head else lines)
    summary = lines[-1] if len(lines) == 1 else f"{lines[-1]}（{MORE.format(n=len(lines))}）"
    when = clock.local(max(r.created_at for r in rows)).strftime("%Y-%m-%d %H:%M")
    notice = Notice(title=last.get("title") or DEFAULT_TITLE,
                    status=last.get("status") or DEFAULT_STATUS, text=summary, time=when)
    return text, notice
