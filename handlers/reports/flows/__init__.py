"""随手拍 in chat, the resident's side: the report conversation (``report``: photo, place,
description, category, 确认, the nearby duplicate's 是/不是), 我的上报 and 查 A1234
(``mine``), and the answer to a resolved case, 满意 / 不满意 / 评分 / 没修好 (``feedback``).

Staff commands are ``staff.flows``.
"""

from handlers.reports.flows import feedback, mine, report

FLOWS = [*report.FLOWS, *mine.FLOWS, *feedback.FLOWS]
