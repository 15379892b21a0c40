"""Alembic environment: runs on the connection that ``chile_id_ocr.store.db.migrate`` passes in."""

from alembic import context

from chile_id_ocr.store.models import Base


def run() -> None:
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if hasattr(context, "config"):  # under Alembic; importing the module elsewhere (doctest collection) does nothing
    run()
