"""Report categories: the taxonomy and the classifier that suggests one from a description.

- ``taxonomy``: the taxonomy file (``data/categories.json``), what an entry may hold, its check;
- ``service``: loading it into ``Category`` rows (``linli categories load``, the demo data);
- ``queries``: ``active_categories()``, ``all_categories()``, ``get_category(code)``,
  ``active_by_name(name)``, kept in process while ``storage.facts``' version stands;
- ``classifier``: jieba words scored by the rules in ``data/classifier.json``;
  ``classifier.warm_up()`` at start;
- ``suggest``: ``suggest(text)`` → ranked active categories for a report.

A data file that is refused raises ``handlers.geo.errors.GeoDataError``, read as the
geography's files are (``handlers.geo.datafile``).
"""
