"""Delivering the outbox: leases on rows (leases), the channel for each message and WeChat's
48-hour customer-service window (channels), subscribe grants (grants), what one delivery
says and the quiet hours (compose), piggy-backed replies (reply), the sweep (sweep) and what
an attempt leaves behind (settle).

``handlers.outbox`` is the entrance (enqueue, the sweep); these modules are its parts.
"""
