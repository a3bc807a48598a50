"""The console's pages: (method, path, handler) under /console, one module per page."""

from __future__ import annotations

from bot.console.pages import (
    audit,
    bulletin,
    case,
    cases,
    intake,
    map,
    overview,
    points,
    staff,
    wishes,
)

ROUTES = [
    ("GET", "/wishes", wishes.wishes_page),
    ("GET", "/wishes/new", wishes.new_page),
    ("POST", "/wishes/new", wishes.new_submit),
    ("GET", "/wishes/volunteers", wishes.volunteers_page),
    ("GET", "/wishes/{number}", wishes.wish_page),
    ("POST", "/wishes/{number}/act", wishes.wish_action),
    ("GET", "/", overview.overview_page),
    ("GET", "/map", map.map_page),
    ("GET", "/map/data.json", map.map_data),
    ("GET", "/map/district.json", map.district_data),
    ("GET", "/cases", cases.cases_page),
    ("GET", "/cases.csv", cases.cases_csv),
    ("GET", "/cases/{number}", case.case_page),
    ("POST", "/cases/{number}/act", case.case_action),
    ("GET", "/photos/{id}", case.photo),
    ("GET", "/intake", intake.intake_page),
    ("POST", "/intake", intake.intake_submit),
    ("GET", "/bulletin", bulletin.bulletin_latest),
    ("GET", "/bulletin/{week}", bulletin.bulletin_week),
    ("GET", "/points", points.points_page),
    ("POST", "/points/rewards", points.reward_add),
    ("POST", "/points/rewards/{id}/restock", points.reward_restock),
    ("POST", "/points/rewards/{id}/toggle", points.reward_toggle),
    ("GET", "/points/counter", points.counter_page),
    ("POST", "/points/counter", points.counter_post),
    ("GET", "/points/person", points.person_page),
    ("GET", "/staff", staff.staff_page),
    ("POST", "/staff/invite", staff.staff_invite),
    ("POST", "/staff/withdraw", staff.staff_withdraw),
    ("GET", "/audit", audit.audit_page),
]
