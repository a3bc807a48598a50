"""Delivering an outbox row of kind "image": a stored photo as a customer-service image.

An image is a customer-service message like any other (the 48 h window, the count), and
there is no other channel for it: refused, it is held until the person writes again. The
row names the photo, which may not be stored yet (the photos sweep downloads it): it waits
for it, and gives up if the photo never will be. It waits, too, while an older text notice
to the same person is still on its way, so the photos follow the notice they belong to; in
the quiet hours an urgent photo waits only for urgent notices (the others wait till morning).

A sweep remembers, person by person, the older notice one of their photos found still on its
way (``Waits``): the person's later photos in the same sweep wait for it too without asking
the database again. One staff member can have hundreds of photos queued behind their notices
in a burst; re-checking each of them every 10 s was a quarter of the server's CPU.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import timedelta

from handlers.ports import DeliveryFailed, DeliveryRefused, ImageSender, MediaRefused, Messenger
from handlers.push import budget, channels, leases
from handlers.push.compose import quiet_until
from handlers.push.settle import HOLD, MAX_ATTEMPTS, OnSent, SweepResult, backoff, mark_sent
from storage import clock
from storage.core.models import OutboxMessage, OutboxStatus, Photo, PhotoStatus
from storage.kv import KV
from storage.rows import get_where

KIND = "image"
WAIT = timedelta(seconds=10)  # the photo is being stored, or the notice is on its way
HELD = timedelta(days=1)  # a notice due later than this is held for the person's next message


# openid -> (id, held) of an older notice to them that one of their photos found pending
Waits = dict[str, tuple[int, bool]]


async def settle_image(row: OutboxMessage, token: str, messenger: Messenger,
                       result: SweepResult, kv: KV | None = None,
                       waits: Waits | None = None, on_sent: OnSent | None = None,
                       sent: set[int] | None = None) -> None:
    """``on_sent``: the sweep marks the row sent with others (``settle``'s); ``sent``: the
    person's rows this sweep sent and has not marked yet (a notice just sent is not waited
    for).

    Where WeChat would refuse a customer-service message now (the person's 48 h window is
    closed or spent: ``budget.refusal``), the image is held for their next message at once,
    before its photo and the notices before it are looked at: a staff member who does not
    chat with the account gets hundreds of photos in a burst, and each used to be read, wait
    for its download, be claimed again and read again, only to be held in the end. When the
    person writes, it is checked in full."""
    counted = await budget.refusal(kv, row.openid) if kv is not None else None
    if counted is not None:
        await _hold(row, token, f"{channels.CS} {counted} counted", result)
        return
    known = waits.get(row.openid) if waits is not None else None
    if known is not None and known[0] < row.id and (row.urgent or quiet_until(clock.now())
                                                    is None):
        await _after_notice(row, token, held=known[1], result=result)
        return
    photo_id = row.payload.get("photo_id")
    photo = await get_where(Photo, id=int(photo_id)) if str(photo_id).isdigit() else None
    if photo is None or photo.status in (PhotoStatus.EXPIRED, PhotoStatus.FAILED):
        await _give_up(row, token, "photo not stored", result)
        return
    if not isinstance(messenger, ImageSender):
        await _give_up(row, token, "no image channel", result)
        return
    now = clock.now()
    wait = None if row.urgent else quiet_until(now)
    if wait is not None:
        await leases.finish([row], token, next_attempt_at=wait)
        result.quiet += 1
        return
    notice = await _notice_before(row, sent or ())
    if notice is not None and waits is not None:
        waits[row.openid] = (notice.id, _held(notice))
    if photo.status is PhotoStatus.PENDING or (notice is not None and not _held(notice)):
        await leases.finish([row], token, next_attempt_at=now + WAIT)
        return
    if notice is not None:  # the notice waits for the person's next message: so does this
        await _after_notice(row, token, held=True, result=result)
        return
    await _send(row, token, messenger, photo, result, kv, on_sent)


async def _after_notice(row: OutboxMessage, token: str, *, held: bool,
                        result: SweepResult) -> None:
    """An older notice to the same person is on its way (look again shortly) or waits for
    their next message (so does this)."""
    if held:
        await leases.finish([row], token, next_attempt_at=clock.now() + HOLD,
                            last_error="after notice")
        result.held += 1
    else:
        await leases.finish([row], token, next_attempt_at=clock.now() + WAIT)


async def _send(row: OutboxMessage, token: str, messenger: ImageSender, photo: Photo,
                result: SweepResult, kv: KV | None, on_sent: OnSent | None) -> None:
    """(``settle_image`` asked the budget first: WeChat would not refuse it for that.)"""
    try:
        await messenger.send_image(row.openid, photo.path, photo.content_type)
    except MediaRefused as exc:
        await _give_up(row, token, f"media refused {exc.code}", result)
        return
    except DeliveryRefused as exc:
        if kv is not None and exc.code == budget.OUT_OF_WINDOW:
            await budget.closed(kv, row.openid)
        await _hold(row, token, f"{channels.CS} {exc.code}", result)
        return
    except DeliveryFailed as exc:
        await _retry(row, token, str(exc), result)
        return
    if on_sent is not None:
        on_sent([row], token, channels.CS)
    else:
        await mark_sent([row], token, channels.CS)
    result.sent += 1
    result.channels[channels.CS] += 1


async def _notice_before(row: OutboxMessage, sent: Collection[int] = ()
                         ) -> OutboxMessage | None:
    """The oldest text notice to the same person still on its way before ``row``, but for
    those ``sent`` already (by this sweep, not yet marked). In the quiet hours an urgent
    photo follows only urgent notices: the others sit out the night, and would hold it (a
    case that cannot wait) until morning."""
    query = OutboxMessage.filter(openid=row.openid, status=OutboxStatus.PENDING,
                                 id__lt=row.id).exclude(kind=KIND)
    if row.urgent and quiet_until(clock.now()) is not None:
        query = query.filter(urgent=True)
    if not sent:
        return await query.order_by("id").first()
    # The few sent already are skipped here, not in the SQL: one text for any of them.
    pending = await query.order_by("id").limit(len(sent) + 1)
    return next((notice for notice in pending if notice.id not in sent), None)


async def _hold(row: OutboxMessage, token: str, error: str, result: SweepResult) -> None:
    """Refused (or sure to be): wait for the person's next message."""
    await leases.finish([row], token, next_attempt_at=clock.now() + HOLD,
                        attempts=row.attempts + 1, last_error=error)
    result.held += 1


def _held(row: OutboxMessage) -> bool:
    return row.next_attempt_at > clock.now() + HELD  # beyond any wait but the hold


async def _give_up(row: OutboxMessage, token: str, error: str, result: SweepResult) -> None:
    await leases.finish([row], token, status=OutboxStatus.FAILED, attempts=row.attempts + 1,
                        last_error=error)
    result.failed += 1


async def _retry(row: OutboxMessage, token: str, error: str, result: SweepResult) -> None:
    attempts = row.attempts + 1
    if attempts >= MAX_ATTEMPTS:
        await _give_up(row, token, error[:255], result)
        return
    await leases.finish([row], token, next_attempt_at=clock.now() + backoff(attempts),
                        attempts=attempts, last_error=error[:255])
    result.retried += 1
