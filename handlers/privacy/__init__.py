"""Residents' data rights (issue 16): 我的数据 (see and take: a summary and a download link),
注销 (erase, after 确认注销), 隐私 (the privacy notice) and the retention sweep.

What linli holds about a person, table by table, is listed once in ``inventory``; export
and erase walk that list.
"""

from handlers.privacy import flows

FLOWS = flows.FLOWS
