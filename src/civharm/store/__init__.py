"""The store: Django models and migrations, on SQLite or PostgreSQL."""
