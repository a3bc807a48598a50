"""The points ledger as callers see it: wallets keyed by openid.

Every write takes an idempotency ``key``: repeating a call with the same key and the same
parameters returns the first result (``replayed=True``); the same key with different
parameters raises ``IdempotencyConflict``. Wallets are created on first use.
"""

from __future__ import annotations

from rewards import accounts, transfers
from rewards.errors import NotReversible, TransferNotPending, UnknownTransfer
from rewards.idempotency import fingerprint, once
from rewards.transfers import Move
from rewards.tx import transaction
from rewards.values import Balance, EntryView, TransferView
from storage import clock
from storage.ledger.models import Entry, Transfer, TransferStatus

REDEEM = "redeem"  # the kind of a redemption's transfers (see rewards.redemption)


async def award(
    openid: str, amount: int, key: str, reason: str = "", rule: str | None = None
) -> TransferView:
    """Points earned for a contribution: issuance -> wallet, posted at once."""
    fp = fingerprint(op="award", openid=openid, amount=amount, reason=reason, rule=rule)
    return await _move(
        "award", accounts.ISSUANCE, accounts.wallet_code(openid), amount, key, fp, reason, rule
    )


async def grant(openid: str, amount: int, reason: str, key: str) -> TransferView:
    """Points given by an operator (``linli points grant``): issuance -> wallet."""
    fp = fingerprint(op="grant", openid=openid, amount=amount, reason=reason)
    return await _move(
        "grant", accounts.ISSUANCE, accounts.wallet_code(openid), amount, key, fp, reason
    )


async def spend(openid: str, amount: int, key: str, reason: str = "") -> TransferView:
    """Points spent at once (wallet -> redeemed); raises InsufficientPoints."""
    fp = fingerprint(op="spend", openid=openid, amount=amount, reason=reason)
    return await _move(
        "spend", accounts.wallet_code(openid), accounts.REDEEMED, amount, key, fp, reason
    )


async def reserve(openid: str, amount: int, key: str, reason: str = "") -> TransferView:
    """Hold points (pending wallet -> redeemed) until ``post`` or ``void``."""
    fp = fingerprint(op="reserve", openid=openid, amount=amount, reason=reason)
    return await _move(
        "spend",
        accounts.wallet_code(openid),
        accounts.REDEEMED,
        amount,
        key,
        fp,
        reason,
        pending=True,
    )


async def post(transfer_id: int) -> TransferView:
    """Complete a pending transfer. Posting a posted transfer again returns it.

    Transfers of a redemption are settled by ``rewards.redemption`` (pickup / expiry) only.
    """
    return await _settle(transfer_id, post=True)


async def void(transfer_id: int) -> TransferView:
    """Cancel a pending transfer and release what it held. Repeating it returns it."""
    return await _settle(transfer_id, post=False)


async def reverse(key: str, reason: str, reversal_key: str | None = None) -> TransferView:
    """Correct a posted transfer with an opposite one (its key: ``reversal:<key>``)."""
    original = await Transfer.get_or_none(key=key)
    if original is None:
        raise UnknownTransfer(f"no transfer with key {key!r}", key=key)
    if original.status != TransferStatus.POSTED or original.reverses_id is not None:
        raise NotReversible(f"{key!r} is {original.status}", key=key)
    rkey = reversal_key or f"reversal:{key}"
    fp = fingerprint(op="reverse", of=key, reason=reason)

    async def write() -> TransferView:
        found = await Transfer.filter(id=original.id).values_list("debit__code", "credit__code")
        debit_code, credit_code = found[0]

        async def work() -> TransferView:
            accts = await accounts.lock(credit_code, debit_code)
            if await Transfer.exists(reverses_id=original.id):
                raise NotReversible(f"{key!r} was reversed already", key=key)
            move = Move(
                rkey,
                fp,
                "reversal",
                accts[credit_code],
                accts[debit_code],
                original.amount,
                reason,
                original.rule,
                original.id,
            )
            [t] = await transfers.create([move], pending=False, at=clock.now())
            return transfers.view(t, {a.id: a.code for a in accts.values()})

        return await transaction(work)

    return await once(Transfer, rkey, fp, write, _replay)


async def balance(openid: str) -> Balance:
    account = await accounts.get(accounts.wallet_code(openid))
    if account is None:
        return Balance(openid, 0, 0, 0)
    return Balance(openid, account.balance, account.reserved, account.balance - account.reserved)


async def entries(openid: str, limit: int = 20, before: int | None = None) -> list[EntryView]:
    """A wallet's entries, newest first; page with ``before=<last seq seen>``."""
    account = await accounts.get(accounts.wallet_code(openid))
    if account is None:
        return []
    query = Entry.filter(account_id=account.id)
    if before is not None:
        query = query.filter(seq__lt=before)
    rows = (
        await query.order_by("-seq")
        .limit(limit)
        .values(
            "seq",
            "amount",
            "created_at",
            "transfer__kind",
            "transfer__rule",
            "transfer__reason",
            "transfer__key",
        )
    )
    return [
        EntryView(
            seq=r["seq"],
            amount=r["amount"],
            kind=r["transfer__kind"],
            rule=r["transfer__rule"],
            reason=r["transfer__reason"],
            transfer_key=r["transfer__key"],
            created_at=r["created_at"],
        )
        for r in rows
    ]


async def _move(
    kind: str,
    debit_code: str,
    credit_code: str,
    amount: int,
    key: str,
    fp: str,
    reason: str,
    rule: str | None = None,
    *,
    pending: bool = False,
) -> TransferView:
    transfers.check_amount(amount)

    async def work() -> TransferView:
        accts = await accounts.lock(debit_code, credit_code)
        move = Move(key, fp, kind, accts[debit_code], accts[credit_code], amount, reason, rule)
        [t] = await transfers.create([move], pending=pending, at=clock.now())
        return transfers.view(t, {a.id: a.code for a in accts.values()})

    async def write() -> TransferView:
        return await transaction(work)

    return await once(Transfer, key, fp, write, _replay)


async def _replay(t: Transfer) -> TransferView:
    return await transfers.load_view(t, replayed=True)


async def _settle(transfer_id: int, *, post: bool) -> TransferView:
    target = TransferStatus.POSTED if post else TransferStatus.VOIDED

    async def work() -> TransferView:
        now = clock.now()
        n = (
            await Transfer.filter(id=transfer_id, status=TransferStatus.PENDING)
            .exclude(kind=REDEEM)
            .update(status=target, resolved_at=now)
        )
        t = await Transfer.get_or_none(id=transfer_id)
        if t is None:
            raise UnknownTransfer(f"no transfer {transfer_id}", transfer_id=transfer_id)
        if n == 0:
            if t.status == target:
                return await transfers.load_view(t, replayed=True)
            if t.kind == REDEEM and t.status == TransferStatus.PENDING:
                raise TransferNotPending(
                    f"transfer {transfer_id} belongs to a redemption: pick it up or let it expire",
                    status=str(t.status),
                )
            raise TransferNotPending(f"transfer {transfer_id} is {t.status}", status=str(t.status))
        codes = await transfers.lock_accounts([t.debit_id, t.credit_id])
        await transfers.settle([t], post=post, at=now)
        return transfers.view(t, codes)

    return await transaction(work)
