"""Keep less, for shorter (issue 16): the daily ``privacy_retention`` sweep with a controlled
clock, each kind before and after its period, and ``linli privacy retention [--dry-run]``."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from functools import partial

import pytest

from bot.scheduler import CRON_JOBS
from handlers import photos
from handlers.privacy import scheduled
from storage import clock
from storage.core.models import (
    MediaBlob,
    Photo,
    PhotoStatus,
    ProcessedMessage,
    Wish,
    WishEvent,
    WishStatus,
)
from storage.reports.models import Case, CaseContact, CaseStatus
from tests.support.cli import run_cli
from tests.support.reports import LAT, LNG, number_in, report, report_bot, services
from tests.support.wishes import jpeg, wish

pytestmark = pytest.mark.usefixtures("db")

EXACT = (LAT + 0.000123, LNG + 0.000456)


@pytest.fixture
async def rbot(make_bot, tmp_path):
    return await report_bot(make_bot, tmp_path)


@pytest.fixture(params=["dir", "database"])
async def rbot_stores(request, make_bot, tmp_path):
    """The app with photos in the media directory, then in the database."""
    return await report_bot(partial(make_bot, media_store=request.param), tmp_path)


async def _closed_wish_with_photos(media) -> tuple[Wish, list[Photo]]:
    w = await wish(WishStatus.CLOSED, lat=LAT, lng=LNG)
    made = []
    for kind, color in (("wish", "red"), ("wish_proof", "blue")):
        photo = await photos.attach(f"m-{kind}", kind, w.number, "o-grid")
        data = jpeg(color)
        digest = hashlib.sha256(data).hexdigest()
        relative = f"{digest[:2]}/{digest}.jpg"
        await media.put(relative, data, "image/jpeg")
        await Photo.filter(id=photo.id).update(status=PhotoStatus.STORED, path=relative)
        made.append(await Photo.get(id=photo.id))
    await Wish.filter(id=w.id).update(closed_at=clock.now(), photo_id=made[0].id,
                                      proof_photo_id=made[1].id)
    return await Wish.get(id=w.id), made


async def _sweep(bot, caplog) -> str:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="handlers.privacy.scheduled"):
        await scheduled.sweep_retention(services(bot))
    [line] = [r.getMessage() for r in caplog.records if r.name == "handlers.privacy.scheduled"]
    return line


async def test_the_sweep_removes_each_kind_after_its_period_only(rbot_stores, caplog):
    bot = rbot_stores
    assert ("privacy_retention", scheduled.sweep_retention, {"hour": 3, "minute": 30}) in CRON_JOBS
    media = services(bot).photos.media
    number = number_in(await report(bot, "o-a", lat=EXACT[0], lng=EXACT[1]))
    await Case.filter(number=number).update(status=CaseStatus.CLOSED, closed_at=clock.now())
    # A case an operator entered (代录) with its caller: no WeChat person to erase them by.
    caller = await CaseContact.create(case=await Case.get(number=number), name="王先生",
                                      phone="13812345678", entered_by="o-admin")
    w, made = await _closed_wish_with_photos(media)
    assert all([await media.exists(p.path) for p in made])
    messages = await ProcessedMessage.exclude(dedup_key__startswith="privacy-notice:").count()
    assert messages > 0

    clock.advance(timedelta(days=29))
    line = await _sweep(bot, caplog)
    assert line.endswith("wish_contact=0 wish_photo=0 case_location=0 case_caller=0 "
                         "processed_message=0")
    assert (await Wish.get(id=w.id)).phone == "13912345678"

    clock.advance(timedelta(days=2))  # 31 days: contacts and processed messages go
    line = await _sweep(bot, caplog)
    assert (f"wish_contact=1 wish_photo=0 case_location=0 case_caller=0 "
            f"processed_message={messages}") in line
    assert "o-a" not in line and "1391" not in line
    kept = await Wish.get(id=w.id)
    assert (kept.address, kept.phone, kept.lat, kept.lng) == ("", "", None, None)
    assert kept.title == "想要一根拐杖" and kept.photo_id == made[0].id
    # The marker that the person was told stays: they are not told twice.
    assert await ProcessedMessage.filter(dedup_key="privacy-notice:o-a").exists()
    assert "wish_contact=0" in await _sweep(bot, caplog)  # idempotent by its effect

    clock.advance(timedelta(days=60))  # 91 days: the wish's photos
    assert "wish_photo=2 case_location=0" in await _sweep(bot, caplog)
    assert not await Photo.filter(id__in=[p.id for p in made]).exists()
    assert not any([await media.exists(p.path) for p in made])
    assert await MediaBlob.filter().count() == 0  # neither store keeps them elsewhere
    kept = await Wish.get(id=w.id)
    assert (kept.photo_id, kept.proof_photo_id) == (None, None)
    case = await Case.get(number=number)
    assert (case.lat, case.lng) == EXACT

    assert (await CaseContact.get(id=caller.id)).phone == "13812345678"
    clock.advance(timedelta(days=90))  # 181 days: the case's place, ~100 m, and its caller
    assert "case_location=1 case_caller=1" in await _sweep(bot, caplog)
    assert await CaseContact.filter(id=caller.id, name="", phone="").exists()
    case = await Case.get(number=number)
    assert (case.lat, case.lng) == (round(EXACT[0], 3), round(EXACT[1], 3))
    assert "case_location=0 case_caller=0" in await _sweep(bot, caplog)


async def test_open_wishes_and_cases_keep_everything(rbot, caplog):
    bot = rbot
    number = number_in(await report(bot, "o-a", lat=EXACT[0], lng=EXACT[1]))
    w = await wish(WishStatus.CLAIMED, lat=LAT, lng=LNG)
    clock.advance(timedelta(days=400))
    await _sweep(bot, caplog)
    assert (await Wish.get(id=w.id)).phone == "13912345678"
    case = await Case.get(number=number)
    assert (case.lat, case.lng) == EXACT


async def test_the_cli_dry_run_shows_ids_and_changes_nothing(db):
    long_ago = clock.now() - timedelta(days=400)
    w = await wish(WishStatus.CANCELLED)
    await wish(WishStatus.OPEN)
    case = await Case.create(number="A9001", reporter_openid="o-a", category_code="garbage",
                             lat=EXACT[0], lng=EXACT[1], status=CaseStatus.REJECTED)
    await Case.filter(id=case.id).update(closed_at=long_ago)
    await WishEvent.create(wish=w, kind="cancelled", actor="o-grid", created_at=long_ago)
    await Wish.filter(id=w.id).update(created_at=long_ago)
    env = {"LINLI_DATABASE_URL": db.database_url}

    dry = await run_cli("privacy", "retention", "--dry-run", "--json", env=env)
    assert dry.code == 0, dry.err
    doc = json.loads(dry.out)
    assert doc["dry_run"] and doc["counts"]["wish_contact"] == 1
    assert doc["ids"]["wish_contact"] == [w.id] and doc["ids"]["case_location"] == [case.id]
    assert (await Wish.get(id=w.id)).phone == "13912345678"
    text = await run_cli("privacy", "retention", "--dry-run", env=env)
    assert f"wish_contact: would remove 1 ({w.id})" in text.out

    done = await run_cli("privacy", "retention", env=env)
    assert done.code == 0, done.err
    assert "wish_contact: removed 1" in done.out and "case_location: removed 1" in done.out
    assert (await Wish.get(id=w.id)).phone == ""
    assert (await Case.get(id=case.id)).lat == round(EXACT[0], 3)
