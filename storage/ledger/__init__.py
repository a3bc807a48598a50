"""The points ledger's tortoise app (label ``ledger``): ``models`` and ``migrations``."""
