"""Demo wishes and a volunteer for ``make run`` / ``linli demo-data`` (idempotent)."""

from __future__ import annotations

from datetime import timedelta

from storage import clock
from storage.core.models import Person, Role, Volunteer, Wish, WishKind, WishStatus

# poster, beneficiary (None: themself), kind, title, details, address, status
WISHES = [
    ("demo-grid-g01", "周桂兰", WishKind.GOODS, "想要一根结实的拐杖",
     "独居老人，腿脚不便，原来的拐杖断了。", "繁荣社区 3号楼2单元501", WishStatus.OPEN),
    ("demo-grid-g01", "孙福海", WishKind.HOME_SERVICE, "上门理发",
     "卧床老人，家属白天上班，周末上午方便。", "繁荣社区 7号楼1单元302", WishStatus.OPEN),
    ("demo-resident", None, WishKind.REPAIR, "厨房灯不亮了",
     "灯管可能坏了，自己够不着。", "繁荣社区 5号楼3单元101", WishStatus.SUBMITTED),
]


async def load_wishes() -> str:
    now = clock.now()
    volunteer = await Person.get_or_none(openid="demo-volunteer")
    if volunteer is not None and not await Volunteer.exists(openid="demo-volunteer"):
        await Volunteer.create(openid="demo-volunteer", name=volunteer.name or "陈晓",
                               skills="跑腿、维修", community="繁荣社区", party_member=True,
                               created_at=now, updated_at=now)
    added = 0
    for poster, beneficiary, kind, title, details, address, status in WISHES:
        if await Wish.exists(poster_openid=poster, title=title):
            continue
        person = await Person.get_or_none(openid=poster)
        staff = person is not None and person.role is Role.GRID_WORKER
        await Wish.create(
            status=status, kind=kind, title=title, details=details, poster_openid=poster,
            on_behalf=beneficiary is not None, beneficiary_name=beneficiary or (
                person.name if person else ""),
            beneficiary_openid=None if beneficiary else poster, phone="13800000000",
            address=address, community="繁荣社区", grid=person.grid if staff else None,
            needed_by=(now + timedelta(days=14)).date(), created_at=now)
        added += 1
    return f"{added} wishes added ({len(WISHES)} in the demo), volunteer demo-volunteer"
