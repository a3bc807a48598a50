"""Persistence: tortoise models, database and Redis lifecycles, conversation state, dedup."""
