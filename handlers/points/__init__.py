"""积分兑换 in chat: the balance, the catalogue, redeeming with a pickup code, pickup by
station staff (flows), the sweeps that void lapsed reservations and expire points
(scheduled), demo rewards (demo); all Chinese text: texts, layouts: views.

The ledger itself (balances, reservations, codes, rules) is ``rewards``.
"""

from handlers.points import flows

FLOWS = flows.FLOWS
