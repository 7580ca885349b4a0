"""Everything here runs on SQLite and on PostgreSQL."""
