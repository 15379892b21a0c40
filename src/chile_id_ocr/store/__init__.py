"""Projects, users, access keys and usage counters: SQLAlchemy models, Alembic migrations, one ``Store``."""
