"""The weekly bulletin (周通报): figures per grid and community, sent to the community admins.

queries (the week's figures: ``compute``, ``ranked``, ISO-week helpers), render (the text,
split into messages), notify (queued for every admin through the outbox, once per week),
scheduled (the scheduler's Monday 08:00 job), texts (what it says, zh-CN).
"""
