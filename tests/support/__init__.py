"""Helpers the tests share: clients, fixtures and crafted data (no tests here)."""
