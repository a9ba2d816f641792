"""Tenancy: the invariant every other module relies on. See README.md in this folder."""
