"""Tortoise models of the points ledger (app label ``ledger``)."""
