"""Use cases: each function holds its own transaction and speaks the domain vocabulary.

Call :func:`civharm.services.database.configure` once before anything else here.
"""
