"""The audit log (审计) of the web console: who looked at what, who did what.

Every view of a resident's private data (phone, address, full description) and every console
action is recorded (``record``) with the community its target belongs to, so community admins
read their own community's entries and street admins everything (``search``). The log is
append-only: nothing here changes or deletes an entry. The actions' Chinese labels are
``texts.ACTION_NAMES``.
"""

from __future__ import annotations

from handlers.audit.log import AuditQuery, record, search
from handlers.audit.texts import ACTION_NAMES

__all__ = ["ACTION_NAMES", "AuditQuery", "record", "search"]
