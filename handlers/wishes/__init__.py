"""微心愿: residents' small wishes fulfilled by volunteers.

- flows/: the chat conversations (许愿, 志愿者注册, 心愿墙, 认领 ... 确认心愿, 待审心愿 ...);
- service/: the use cases that change wishes - posting and moderating, volunteers' claims,
  volunteer registration - which chat, the mini-program API and the CLI all call;
- queries: one wish, the wall (``wall_page``, for chat and API), lists, counts;
- access: who may see and do what with a wish;
- render: chat text made from wishes; texts: every Chinese sentence; errors: the refusals;
- awards: the points award for a fulfilled (confirmed) wish; notify: who hears of changes;
- scheduled: the sweeps (claim reminders and expiry, awards); parse: reading what people
  type; demo: demo data.
"""

from handlers.wishes.flows import FLOWS

__all__ = ["FLOWS"]
