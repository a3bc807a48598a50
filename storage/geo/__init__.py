"""The geography and report-taxonomy tortoise app (label ``geo``): ``models`` and
``migrations``."""
