"""Who may see and do what with one wish: pure rules over a wish and a person, shared by
the chat, the API and photo access.

An approved wish (open, claimed, fulfilled, confirmed, closed) is public; a submitted,
rejected or cancelled one only its people's. The beneficiary's contact details go only to
the volunteer holding the active claim. The poster, the beneficiary or a grid worker of the
wish's grid confirms (never the claimant).
"""

from __future__ import annotations

from storage.core.models import Person, Role, Wish, WishStatus

PUBLIC = frozenset({WishStatus.OPEN, WishStatus.CLAIMED, WishStatus.FULFILLED,
                    WishStatus.CONFIRMED, WishStatus.CLOSED})


def holds_claim(wish: Wish, openid: str) -> bool:
    """Whether ``openid`` holds the wish's active claim: only they see its contact details."""
    return wish.status is WishStatus.CLAIMED and wish.claimant_openid == openid


def may_confirm(wish: Wish, person: Person) -> bool:
    """The poster, the beneficiary or a grid worker of the wish's grid; never the claimant."""
    if person.openid == wish.claimant_openid:
        return False
    if person.openid in (wish.poster_openid, wish.beneficiary_openid):
        return True
    return person.role is Role.GRID_WORKER and bool(wish.grid) and person.grid == wish.grid


def involved(wish: Wish, person: Person) -> bool:
    """The poster, the beneficiary, the claimant, who may confirm, or an admin."""
    return (person.role is Role.ADMIN or may_confirm(wish, person)
            or person.openid in (wish.poster_openid, wish.beneficiary_openid,
                                 wish.claimant_openid))


def may_view(wish: Wish, person: Person) -> bool:
    """An approved wish is public; a submitted, rejected or cancelled one is its people's."""
    return wish.status in PUBLIC or involved(wish, person)
