"""The README's "Try it" and API example say what a newcomer needs (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_links_stay_inside_the_repository():
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith(("http://", "https://")):
            assert (Path(__file__).resolve().parent.parent / target).exists(), target
    assert "../shared" not in README


def test_try_it_mentions_quiet_hours_and_how_to_see_what_waits():
    try_it = README.split("### Try it", 1)[1].split("\n## ", 1)[0]
    assert "07:00" in try_it and "outbox_message" in try_it


def test_the_api_example_names_the_upload_field_and_suggests_text():
    api = README.split("## Mini-program API", 1)[1].split("\n## ", 1)[0]
    assert "file=@" in api and "`file`" in api
    assert "text=" in api and "`text`" in api
