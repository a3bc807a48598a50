"""The core tortoise app (label ``core``): people, messages and outbox, photos, wishes,
Open311 keys; ``models/`` holds the models, ``migrations/`` their migrations."""
