"""Delivering the outbox: leases on rows (leases), the channel for each message and WeChat's
48-hour customer-service window (channels) and its budget of 5 (budget), subscribe grants
(grants) and the Official Account's opt-in events that record them (optin), what one delivery
says and the quiet hours (compose), piggy-backed replies (reply), the sweep (sweep) and what
an attempt leaves behind (settle).

``handlers.outbox`` is the entrance (enqueue, the sweep); these modules are its parts.
"""
