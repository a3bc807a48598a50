"""The console's pages: (method, path, handler) under /console, one module per page."""

from __future__ import annotations

from bot.console.pages import audit, bulletin, case, cases, intake, map, overview
from bot.console.pages import wishes

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
    ("GET", "/audit", audit.audit_page),
]
