"""Persistence: SQLModel tables, engine set-up, paged and indexed queries, schema version.

Nothing in here imports Textual. Queries are portable SQL (SQLite and PostgreSQL).
"""
