"""The earning rules and policies, read from ``rules.json`` (package data, not code).

``load_rules()`` reads the packaged file once; tests and operators can pass another file
or a dict through ``Rules.from_dict`` / ``load_rules(path)``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from rewards.errors import UnknownRule


@dataclass(frozen=True)
class Rule:
    name: str
    points: int
    key: str  # template: {subject}, {openid}
    no_points_if: tuple[str, ...] = ()
    daily_cap: int | None = None
    weekly_cap: int | None = None

    def key_for(self, subject: str, openid: str) -> str:
        return self.key.format(subject=subject, openid=openid)


@dataclass(frozen=True)
class Rules:
    rules: dict[str, Rule]
    facts: frozenset[str]
    daily_cap: int | None
    weekly_cap: int | None
    expiry_enabled: bool = False
    remind_days_before: int = 30
    pickup_valid_days: int = 7

    def rule(self, name: str) -> Rule:
        try:
            return self.rules[name]
        except KeyError:
            raise UnknownRule(f"no earning rule {name!r}", rule=name) from None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rules:
        facts = frozenset(data.get("facts", ()))
        rules = {}
        for name, r in data["rules"].items():
            unknown = set(r.get("no_points_if", ())) - facts
            if unknown:
                raise ValueError(f"rule {name}: unknown facts {sorted(unknown)}")
            if not isinstance(r["points"], int) or r["points"] <= 0:
                raise ValueError(f"rule {name}: points must be a positive integer")
            rules[name] = Rule(
                name=name,
                points=r["points"],
                key=r["key"],
                no_points_if=tuple(r.get("no_points_if", ())),
                daily_cap=r.get("daily_cap"),
                weekly_cap=r.get("weekly_cap"),
            )
        caps = data.get("caps", {})
        expiry = data.get("expiry", {})
        redemption = data.get("redemption", {})
        return cls(
            rules=rules,
            facts=facts,
            daily_cap=caps.get("daily"),
            weekly_cap=caps.get("weekly"),
            expiry_enabled=bool(expiry.get("enabled", False)),
            remind_days_before=int(expiry.get("remind_days_before", 30)),
            pickup_valid_days=int(redemption.get("pickup_valid_days", 7)),
        )


def load_rules(path: str | Path | None = None) -> Rules:
    if path is not None:
        return Rules.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    return _packaged()


@cache
def _packaged() -> Rules:
    text = resources.files("rewards").joinpath("rules.json").read_text(encoding="utf-8")
    return Rules.from_dict(json.loads(text))
