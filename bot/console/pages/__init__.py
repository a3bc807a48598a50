"""The console's pages: (method, path, handler) under /console, one module per page."""

from __future__ import annotations

from bot.console.pages import audit, bulletin, case, cases, intake, map, overview

ROUTES = [
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
