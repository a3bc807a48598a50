"""Refusals of the geography and taxonomy tools: raised low, reported once at the edge."""

from __future__ import annotations


class GeoError(Exception):
    code = "geo_error"


class GeoDataError(GeoError):
    """A data file (GeoJSON, categories, classifier rules) was refused; nothing was written.

    ``problems`` lists every problem found, each naming the feature or entry at fault.
    """

    code = "bad_data"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class BadCoordinates(GeoError, ValueError):
    """A latitude/longitude that is not a number or out of range (lat ±90, lng ±180)."""

    code = "bad_coordinates"
