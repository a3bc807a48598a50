"""Open311 GeoReport v2 use cases: services, service requests, tokens and API keys.

Plain values in and out (the GeoReport documents in ``documents``); ``bot/open311`` renders
them as XML or JSON. Cases posted here go through the same ``submit_case`` as the chat; their
reporter is the client (``open311:<key name>``), which gets no WeChat pushes and no points.
"""
