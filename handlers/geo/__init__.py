"""Geography of the district: grids, buildings, compounds, and the GeoJSON import.

What the report use cases call:

- ``grids.locate(lat, lng)`` / ``grids.locate_building(code)`` → ``Place`` (which grid,
  community and compound a point belongs to);
- ``projection.distance_m`` / ``projection.bbox_around`` for the duplicate search;
- ``places.place_name(lat, lng, building)`` (a place in words) and ``atlas.current()`` (the
  buildings, compounds, communities and grids' facts): kept in process, with the grid index,
  while the reference facts' version stands (``storage.facts``).

Coordinates are GCJ-02 lon/lat everywhere (what WeChat location messages carry: Location_X is
the latitude, Location_Y the longitude). ``linli grids import --crs wgs84`` converts data drawn
on WGS-84 / CGCS2000 maps on the way in. Report categories and the classifier are
``handlers.categories``; the data-file reader and its errors (``datafile``, ``errors``) serve
both.
"""
