"""Delivering the outbox: claims, channel choice, subscribe grants, piggy-backed replies.

``handlers.outbox`` is the entrance (enqueue, the sweep); these modules are its parts.
"""
