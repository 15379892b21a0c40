"""The HTTP edge: the chile-id-card API of ../shared/API.md, served by FastAPI (see ``app.create_app``)."""
