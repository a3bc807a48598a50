"""Geography and taxonomy of the district: grids, buildings, compounds, report categories.

What the report use cases call:

- ``grids.locate(lat, lng)`` / ``grids.locate_building(code)`` → ``Place`` (which grid,
  community and compound a point belongs to);
- ``categories.active_categories()`` / ``categories.get_category(code)``;
- ``suggest.suggest(text)`` → ranked active categories; ``classifier.warm_up()`` at start;
- ``projection.distance_m`` / ``projection.bbox_around`` for the duplicate search.

Coordinates are GCJ-02 lon/lat everywhere (what WeChat location messages carry: Location_X is
the latitude, Location_Y the longitude). ``linli grids import --crs wgs84`` converts data drawn
on WGS-84 / CGCS2000 maps on the way in.
"""
