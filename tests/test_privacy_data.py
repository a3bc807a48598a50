"""我的数据 and 注销 (issue 16) through the real app, the API and the CLI, on both backends:
the export is complete (compared with the tables through the inventory), erasure leaves
nothing personal, the ledger still verifies, a claim held by an erased volunteer is
released, erasing twice is harmless, 注销 without 确认注销 changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from tortoise import Tortoise, fields

from bot import keys
from handlers.privacy import inventory, queries
from handlers.privacy.service import PREFIX
from rewards import catalogue, ledger, redemption
from rewards.verify import verify
from storage import clock
from storage.core.models import (
    AppOpenid,
    AuditEntry,
    ConsoleLink,
    MediaBlob,
    OutboxMessage,
    Person,
    PersonConflict,
    Photo,
    PhotoStatus,
    ProcessedMessage,
    Role,
    StaffInvite,
    SubscribeGrant,
    Volunteer,
    Wish,
    WishEvent,
    WishStatus,
)
from storage.geo.models import Community, Grid, Street
from storage.ledger.models import Account, Award, AwardOutcome, Entry, ExpiryNotice
from storage.reports.models import Case, CaseEvent, Supporter
from tests.support.cli import run_cli
from tests.support.wishes import jpeg, pushed, volunteer, wish

OID = "oRes1dentXyz123"
NAME, PHONE, ADDRESS = "赵秀英", "13800001111", "幸福里5号楼3单元402"
PERSONAL = (NAME, PHONE, ADDRESS, "3单元402")


# -- the inventory is complete ----------------------------------------------------------------


def _looks_personal(name: str) -> bool:
    return (name in ("name", "phone", "address") or name.endswith("openid")
            or name.endswith(("_name", "_phone", "_address")))


async def test_every_openid_or_personal_column_is_in_the_inventory(db):
    listed = inventory.personal_columns()
    missing = []
    for app in Tortoise.apps.values():
        for model in app.values():
            for name, field in model._meta.fields_map.items():
                if not isinstance(field, fields.CharField | fields.TextField):
                    continue
                key = (model.__name__, name)
                if _looks_personal(name) and key not in listed and key not in inventory.NOT_PERSONAL:
                    missing.append(key)
    assert missing == [], f"add these to handlers/privacy/inventory.py: {missing}"


# -- a person with data in every table ---------------------------------------------------------


async def _everything(media, openid: str = OID, role: Role = Role.RESIDENT) -> dict:
    now = clock.now()
    await Person.create(openid=openid, name=NAME, phone=PHONE, building="B1", role=role,
                        unionid=f"u-{openid}")
    await AppOpenid.create(app="miniapp", openid=f"mp-{openid}", person_openid=openid)
    await PersonConflict.create(oa_openid=openid, miniapp_openid=f"mp2-{openid}",
                                unionid=f"u2-{openid}")
    await volunteer(openid, NAME)
    await Volunteer.filter(openid=openid).update(phone=PHONE)
    await StaffInvite.create(code_hash="h", role=Role.GRID_WORKER, name=NAME, used_by=openid,
                             expires_at=now + timedelta(days=1))
    await ConsoleLink.create(token_hash=f"h-{openid}", openid=openid,
                             expires_at=now + timedelta(minutes=5))
    await AuditEntry.create(at=now, actor_openid=openid, action="view_private", target="A1001",
                            detail="description,address", ip="127.0.0.1")
    mine = await wish(poster=openid)  # open, with name, phone, address
    await Wish.filter(id=mine.id).update(address=ADDRESS, beneficiary_name=NAME, phone=PHONE)
    await WishEvent.create(wish_id=mine.id, kind="submitted", actor=openid, note=f"电话{PHONE}",
                           created_at=now)
    await media.put("ab/x.jpg", jpeg(), "image/jpeg")
    photo = await Photo.create(media_id="m1", owner_kind="wish", owner_id=mine.number,
                               openid=openid, status=PhotoStatus.STORED, path="ab/x.jpg",
                               next_attempt_at=now, received_at=now)
    await Wish.filter(id=mine.id).update(photo_id=photo.id)
    await ProcessedMessage.create(dedup_key=f"e:{openid}:1:subscribe", openid=openid,
                                  reply=f"{NAME}您好")
    await OutboxMessage.create(key=f"k:{openid}", openid=openid, payload={"text": NAME},
                               next_attempt_at=now)
    await SubscribeGrant.create(openid=openid, template_id="t", remaining=2)
    case = await Case.create(number="A9001", reporter_openid=openid, category_code="c",
                             description=f"{ADDRESS}门口垃圾，联系{PHONE}", address=ADDRESS,
                             lat=43.8812345, lng=125.3212345)
    await CaseEvent.create(case_id=case.id, at=now, actor_openid=openid, action="submit",
                           note=f"我是{NAME}")
    other = await Case.create(number="A9002", reporter_openid="oOther", category_code="c")
    await Supporter.create(case_id=other.id, openid=openid, via="offered")
    await ledger.award(openid, 20, key=f"case-points:A9001:{openid}", reason="上报")
    transfer = await ledger.award(openid, 5, key="plain-key", reason="志愿")
    await Award.create(key=f"award:{openid}", fingerprint="f", rule="r", openid=openid,
                       subject="A9001", amount=5, outcome=AwardOutcome.AWARDED,
                       transfer_id=transfer.id, created_at=now)
    reward = await catalogue.add_reward("毛巾", 5, stock=3, pickup_place="服务站")
    await redemption.redeem(openid, reward.id, key=f"redeem:{openid}")
    await ExpiryNotice.create(openid=openid, expires_on=now.date(), amount=3, created_at=now)
    street = await Street.create(code="S1", name="街道")
    community = await Community.create(code="C1", name="社区", street=street,
                                       admin_openid=openid, admin_name=NAME, admin_phone=PHONE)
    await Grid.create(code="G9", name="网格", community=community, geometry="{}",
                      deputy_openid=openid, deputy_name=NAME, deputy_phone=PHONE)
    return {"wish": mine, "case": case}


@pytest.fixture
async def pbot(make_bot, tmp_path):
    return await make_bot(media_dir=tmp_path / "media")


@pytest.fixture(params=["dir", "database"])
async def pbot_stores(request, make_bot, tmp_path):
    """The app with photos in the media directory, then in the database."""
    return await make_bot(media_dir=tmp_path / "media", media_store=request.param)


def _media(bot):
    return bot.client.app[keys.SERVICES].photos.media


async def test_export_is_complete(pbot, api_for):
    api = api_for(pbot)
    await _everything(_media(pbot))
    me = await api.login(OID)
    status, body = await me.get("/me/export")
    assert status == 200
    sections = body["sections"]
    for table in inventory.TABLES:
        if not table.exported:
            continue
        expected = await queries.rows_of(table, OID).count()
        assert expected > 0, f"the fixture holds no {table.kind}"
        assert len(sections[table.kind]) == expected, table.kind
    wallet = await Account.get(openid=OID)
    assert len(sections["points_entries"]) == await Entry.filter(account_id=wallet.id).count() > 0
    assert sections["photos"][0]["url"].startswith("/api/v1/photos/")
    assert sections["profile"][0]["phone"] == PHONE
    assert len(body["redis"]["sessions"]) == 1
    resp = await pbot.client.get("/api/v1/me/export", headers=me.headers())
    assert "no-store" in resp.headers["Cache-Control"]


def _personal_left(doc) -> list[str]:
    text = json.dumps(doc, ensure_ascii=False)
    return [p for p in (*PERSONAL, OID) if p in text]


async def _columns_left(openid: str) -> list[str]:
    found = []
    for table in inventory.TABLES:
        for row in await table.model.all().values(*table.openid, *table.personal, *table.inside):
            text = json.dumps(row, ensure_ascii=False, default=str)
            found += [f"{table.kind}: {p}" for p in (*PERSONAL, openid) if p in text]
    return found


async def test_erase_through_the_api_leaves_nothing_personal(pbot_stores, api_for):
    pbot = pbot_stores
    api = api_for(pbot)
    made = await _everything(_media(pbot))
    assert await _media(pbot).exists("ab/x.jpg")
    me = await api.login(OID)
    status, body = await me.delete("/me")
    assert status == 200 and body["erased"] and body["cancelled"] == [made["wish"].number]
    assert (await me.get("/points"))[0] == 401  # the sessions are gone
    person = await Person.get(id=(await Person.filter(openid__startswith=PREFIX).first()).id)
    pseudonym = person.openid
    assert person.name == "" and person.phone == ""
    assert await _columns_left(OID) == []
    export = (await queries.export(pseudonym, pbot.client.app[keys.KV_STORE])).as_json()
    assert _personal_left(export) == []
    assert not await Person.exists(openid=OID)
    assert not await Volunteer.exists() and not await OutboxMessage.filter(openid=OID).exists()
    assert not await _media(pbot).exists("ab/x.jpg") and not await Photo.exists()
    assert not await MediaBlob.exists()
    case = await Case.get(number="A9001")
    assert case.reporter_openid == pseudonym and case.lat == 43.881 and case.description
    wish_row = await Wish.get(id=made["wish"].id)
    assert wish_row.status is WishStatus.CANCELLED and wish_row.poster_openid == pseudonym
    # The ledger: the same balances on a pseudonymous account, the chain intact.
    assert (await ledger.balance(pseudonym)).balance == 25
    assert (await verify()).ok
    assert (await me.delete("/me"))[0] == 401  # signed out; the CLI shows twice is harmless


async def test_cli_export_erase_and_erase_twice(pbot_stores):
    pbot = pbot_stores
    await _everything(_media(pbot))
    env = {"LINLI_DATABASE_URL": pbot.settings.database_url,
           "LINLI_MEDIA_DIR": str(pbot.settings.media_dir),
           "LINLI_MEDIA_STORE": pbot.settings.media_store}
    if pbot.settings.redis_url:
        env |= {"LINLI_REDIS_URL": pbot.settings.redis_url,
                "LINLI_REDIS_PREFIX": pbot.settings.redis_prefix}
    out = await run_cli("privacy", "export", OID, env=env)
    assert out.code == 0, out.err
    assert json.loads(out.out)["sections"]["profile"][0]["name"] == NAME
    first = await run_cli("privacy", "erase", OID, env=env)
    assert first.code == 0 and json.loads(first.out)["erased"], first.err
    assert not await _media(pbot).exists("ab/x.jpg")  # the photo's bytes, from either store
    ledger_ok = await run_cli("ledger", "verify", env=env)
    assert ledger_ok.code == 0, ledger_ok.out + ledger_ok.err
    before = await _snapshot()
    again = await run_cli("privacy", "erase", OID, env=env)
    assert again.code == 0 and json.loads(again.out)["erased"] is False
    assert await _snapshot() == before
    empty = json.loads((await run_cli("privacy", "export", OID, env=env)).out)
    assert all(rows == [] for rows in empty["sections"].values())


async def _snapshot() -> list:
    rows = []
    for table in inventory.TABLES:
        rows.append(await table.model.all().order_by("id").values())
    return json.loads(json.dumps(rows, default=str))


async def test_a_volunteer_erased_mid_claim_leaves_the_wish_on_the_wall(pbot, api_for):
    api = api_for(pbot)
    await Person.create(openid="o-poster", name="钱大妈")
    held = await wish(poster="o-poster")
    await volunteer("o-vol", "孙志愿")
    await pbot.say("o-vol", f"认领 {held.number}")
    assert (await Wish.get(id=held.id)).status is WishStatus.CLAIMED
    me = await api.login("o-vol")
    status, body = await me.delete("/me")
    assert status == 200 and body["released"] == [held.number]
    row = await Wish.get(id=held.id)
    assert row.status is WishStatus.OPEN and row.claimant_openid is None
    assert row.phone == "13912345678"  # the poster's details are the poster's
    assert any(held.number in text for text in await pushed("o-poster"))
    events = [e.actor for e in await WishEvent.filter(wish_id=held.id)]
    assert "o-vol" not in events and all(a.startswith(PREFIX) for a in events)


async def test_chat_erase_needs_the_confirmation(pbot):
    await _everything(_media(pbot))
    assert "确认注销" in await pbot.say(OID, "注销")
    before = await _snapshot()
    assert "保留" in await pbot.say(OID, "确认")  # not the confirmation word
    assert await _snapshot() == before
    await pbot.say(OID, "注销")
    assert "取消" in await pbot.say(OID, "算了")  # the engine's cancel word
    assert await _snapshot() == before
    assert "确认注销" in await pbot.say(OID, "注销")
    assert "已删除" in await pbot.say(OID, "确认注销")
    assert not await Volunteer.exists() and await Person.filter(openid__startswith=PREFIX).exists()
    assert (await verify()).ok


async def test_my_data_sends_a_summary_and_a_one_time_link(pbot):
    await _everything(_media(pbot))
    reply = await pbot.say(OID, "我的数据")
    assert "心愿：1条" in reply and "积分流水" in reply
    path = reply[reply.index("/privacy/export/"):].split()[0]
    resp = await pbot.client.get(path)
    assert resp.status == 200 and "no-store" in resp.headers["Cache-Control"]
    assert (await resp.json())["sections"]["profile"][0]["phone"] == PHONE
    assert (await pbot.client.get(path)).status == 404  # once
    assert (await pbot.client.get("/privacy/export/nonsense")).status == 404


async def test_staff_erasure_keeps_the_name_on_their_history(pbot):
    await Person.create(openid="o-gw", role=Role.GRID_WORKER, name="王梦苏", phone=PHONE)
    case = await Case.create(number="A9003", reporter_openid="oX", category_code="c")
    await CaseEvent.create(case_id=case.id, at=clock.now(), actor_openid="o-gw", action="accept",
                           note="已到场")
    await pbot.say("o-gw", "注销")
    await pbot.say("o-gw", "确认注销")
    event = await CaseEvent.get(case_id=case.id)
    person = await Person.get(openid=event.actor_openid)
    assert person.name == "王梦苏" and person.role is Role.GRID_WORKER and person.phone == ""
    assert event.note == "已到场"
