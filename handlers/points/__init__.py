"""积分兑换 in chat: the balance, the catalogue, redeeming with a pickup code, pickup by
station staff (flows); redeeming and handing out, shared with the API (service); the
sweeps that void lapsed reservations and expire points (scheduled); chat text made from the
ledger's values (render); the web console's station desk: redemptions by status, the 核销
counter's look-up, a person's points (station); all Chinese text (texts); demo rewards (demo).

The ledger itself (balances, reservations, codes, rules) is ``rewards``.
"""

from handlers.points import flows

FLOWS = flows.FLOWS
