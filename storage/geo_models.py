"""Tortoise models of the district's geography and the report taxonomy (app label ``geo``)."""
