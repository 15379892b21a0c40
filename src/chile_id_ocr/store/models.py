"""The tables. Changing them means adding an Alembic migration in ``migrations/versions``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class _DomainNamed:
    """Columns of a row named uniquely within a domain (projects, users)."""

    __table_args__ = (UniqueConstraint("domain", "name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    domain: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Project(_DomainNamed, Base):
    """A tenant: requests name it in their path; the service must be enabled for it."""

    __tablename__ = "projects"

    service_enabled: Mapped[bool] = mapped_column(Boolean, default=False)


class User(_DomainNamed, Base):
    """A user of a domain: may obtain tokens and own access keys for the domain's projects."""

    __tablename__ = "users"

    password_hash: Mapped[str] = mapped_column(String(255))
    # Set: the user can neither sign in nor use its access keys or its tokens (``admin disable-user``).
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AccessKey(Base):
    """An AK/SK pair. The secret key is not stored: it is derived from the master key and ``salt``."""

    __tablename__ = "access_keys"

    ak: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), ForeignKey("users.id"), index=True)
    salt: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class UsageCounter(Base):
    """Calls of a project with one outcome ("OK" or an error code), and their recognition time."""

    __tablename__ = "usage_counters"

    project_id: Mapped[str] = mapped_column(String(32), ForeignKey("projects.id"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(32), primary_key=True)
    calls: Mapped[int] = mapped_column(BigInteger, default=0)
    recognition_ms: Mapped[int] = mapped_column(BigInteger, default=0)
