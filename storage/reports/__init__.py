"""The 随手拍 cases' tortoise app (label ``reports``): ``models`` and ``migrations``."""
