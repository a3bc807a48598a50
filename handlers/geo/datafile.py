"""Reading the JSON data files an operator hands to the CLI, with errors that say what failed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from handlers.geo.errors import GeoDataError


def read_json(path: str | Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise GeoDataError([f"cannot read {path}: {exc.strerror or exc}"]) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise GeoDataError([f"{path} is not valid JSON: {exc}"]) from exc
