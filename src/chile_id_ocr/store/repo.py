"""``Store``: every read and write of projects, users, access keys and usage counters.

Methods return frozen dataclasses, never ORM objects, so callers hold no session. What cannot be done is raised
as ``NotFound`` or ``Conflict`` with a message that names the thing, never a database error (whose text may carry
the statement's parameters: a password hash).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from chile_id_ocr.store import credentials
from chile_id_ocr.store.credentials import MasterKey
from chile_id_ocr.store.models import AccessKey, Project, UsageCounter, User

SUCCESS = "OK"


class NotFound(LookupError):
    """A project, user or key that does not exist."""


class Conflict(ValueError):
    """A name already taken in its domain."""


@dataclass(frozen=True)
class ProjectInfo:
    id: str
    name: str
    domain: str
    service_enabled: bool

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "domain": self.domain, "service_enabled": self.service_enabled}


@dataclass(frozen=True)
class UserInfo:
    id: str
    name: str
    domain: str
    disabled: bool = False

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "domain": self.domain, "disabled": self.disabled}


@dataclass(frozen=True)
class KeyInfo:
    """An access key as the verifier needs it: the SK is derived, never read from the database."""

    ak: str
    secret_key: str
    user: UserInfo
    revoked: bool


@dataclass(frozen=True)
class Usage:
    """A project's counters: calls, successes, failures by error code, recognition time."""

    project_id: str
    calls: int = 0
    successes: int = 0
    failures: dict[str, int] = field(default_factory=dict)
    recognition_seconds: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return {
            "project_id": self.project_id,
            "calls": self.calls,
            "successes": self.successes,
            "failures": dict(sorted(self.failures.items())),
            "recognition_seconds": round(self.recognition_seconds, 3),
        }


def _now() -> datetime:
    return datetime.now(UTC)


def _project(row: Project) -> ProjectInfo:
    return ProjectInfo(row.id, row.name, row.domain, row.service_enabled)


def _user(row: User) -> UserInfo:
    return UserInfo(row.id, row.name, row.domain, row.disabled_at is not None)


class Store:
    """The database behind the service, shared by every instance that points at it."""

    def __init__(self, engine: Engine, master_key: MasterKey) -> None:
        self.engine = engine
        self.master_key = master_key
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    def _session(self) -> Session:
        return self._sessions()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                # .scalar() reads and closes the result: an unread SELECT keeps SQLite's statement open, and with it
                # a read snapshot that the pooled connection's later reads would keep seeing (a user disabled since
                # would still be active to it)
                connection.execute(text("SELECT 1")).scalar()
        except Exception:
            return False
        return True

    # projects

    def get_project(self, project_id: str) -> ProjectInfo | None:
        with self._session() as session:
            row = session.get(Project, project_id)
            return None if row is None else _project(row)

    def list_projects(self) -> list[ProjectInfo]:
        with self._session() as session:
            return [_project(r) for r in session.scalars(select(Project).order_by(Project.domain, Project.name))]

    def create_project(self, name: str, domain: str, enabled: bool = True) -> ProjectInfo:
        try:
            with self._session() as session, session.begin():
                row = Project(
                    id=credentials.new_id(), name=name, domain=domain, service_enabled=enabled, created_at=_now()
                )
                session.add(row)
        except IntegrityError:
            raise Conflict(f"a project named {name} already exists in domain {domain}") from None
        return _project(row)

    def delete_project(self, project_id: str) -> ProjectInfo:
        """Delete a project and its usage counters; its users and their keys stay (they belong to the domain)."""
        with self._session() as session, session.begin():
            row = session.get(Project, project_id)
            if row is None:
                raise NotFound(f"no project {project_id}")
            session.execute(delete(UsageCounter).where(UsageCounter.project_id == project_id))
            session.delete(row)
        return _project(row)

    def set_service(self, project_id: str, enabled: bool) -> ProjectInfo:
        with self._session() as session, session.begin():
            row = session.get(Project, project_id)
            if row is None:
                raise NotFound(f"no project {project_id}")
            row.service_enabled = enabled
        return _project(row)

    # users

    def create_user(self, name: str, domain: str, password: str) -> UserInfo:
        try:
            with self._session() as session, session.begin():
                if self._find_user(session, name, domain) is not None:
                    raise Conflict(f"a user named {name} already exists in domain {domain}")
                row = self._add_user(session, name, domain, password)
        except IntegrityError:  # created meanwhile by another instance
            raise Conflict(f"a user named {name} already exists in domain {domain}") from None
        return _user(row)

    def list_users(self) -> list[UserInfo]:
        with self._session() as session:
            return [_user(r) for r in session.scalars(select(User).order_by(User.domain, User.name))]

    def _existing_user(self, session: Session, name: str, domain: str) -> User:
        row = self._find_user(session, name, domain)
        if row is None:
            raise NotFound(f"no user {name} in domain {domain}")
        return row

    def set_user_disabled(self, name: str, domain: str, disabled: bool) -> UserInfo:
        """A disabled user can neither sign in nor use its access keys or tokens; enabling restores them."""
        with self._session() as session, session.begin():
            row = self._existing_user(session, name, domain)
            if disabled != (row.disabled_at is not None):
                row.disabled_at = _now() if disabled else None
        return _user(row)

    def set_password(self, name: str, domain: str, password: str) -> UserInfo:
        with self._session() as session, session.begin():
            row = self._existing_user(session, name, domain)
            row.password_hash = credentials.hash_password(password)
        return _user(row)

    def delete_user(self, name: str, domain: str) -> UserInfo:
        """Delete a user and its access keys (its tokens stop working: they are checked against the user)."""
        with self._session() as session, session.begin():
            row = self._existing_user(session, name, domain)
            session.execute(delete(AccessKey).where(AccessKey.user_id == row.id))
            session.delete(row)
        return _user(row)

    def user_active(self, user_id: str) -> bool:
        """Whether the user still exists and is not disabled (a token names its user)."""
        with self._session() as session:
            row = session.get(User, user_id)
            return row is not None and row.disabled_at is None

    def _add_user(self, session: Session, name: str, domain: str, password: str) -> User:
        row = User(
            id=credentials.new_id(),
            name=name,
            domain=domain,
            password_hash=credentials.hash_password(password),
            created_at=_now(),
        )
        session.add(row)
        session.flush()
        return row

    def _find_user(self, session: Session, name: str, domain: str) -> User | None:
        return session.scalars(select(User).where(User.name == name, User.domain == domain)).first()

    def authenticate(self, name: str, domain: str, password: str) -> UserInfo | None:
        """The user when the password matches (argon2 verification: slow on purpose)."""
        with self._session() as session:
            row = self._find_user(session, name, domain)
        if row is None:
            credentials.verify_no_user(password)  # as slow as a wrong password: user names do not show in timing
            return None
        if not credentials.verify_password(row.password_hash, password) or row.disabled_at is not None:
            return None
        return _user(row)

    # access keys

    def create_access_key(self, user_name: str, domain: str) -> tuple[str, str]:
        """A new AK/SK pair for the user; the SK is shown only now."""
        with self._session() as session, session.begin():
            return self._new_key(session, self._existing_user(session, user_name, domain))

    def _new_key(self, session: Session, user: User) -> tuple[str, str]:
        ak, salt = credentials.new_access_key()
        session.add(AccessKey(ak=ak, user_id=user.id, salt=salt, created_at=_now()))
        return ak, self.master_key.secret_key(ak, salt)

    def revoke_access_key(self, ak: str) -> None:
        with self._session() as session, session.begin():
            result = session.execute(
                update(AccessKey).where(AccessKey.ak == ak, AccessKey.revoked_at.is_(None)).values(revoked_at=_now())
            )
            if getattr(result, "rowcount", 0) == 0:
                raise NotFound(f"no active access key {ak}")

    def rotate_access_key(self, ak: str) -> tuple[str, str]:
        """Revoke ``ak`` and give its user a new pair, in one transaction; the new SK is shown only now."""
        with self._session() as session, session.begin():
            row = session.execute(select(AccessKey, User).join(User).where(AccessKey.ak == ak)).first()
            if row is None or row[0].revoked_at is not None:
                raise NotFound(f"no active access key {ak}")
            key, user = row
            key.revoked_at = _now()
            return self._new_key(session, user)

    def get_access_key(self, ak: str) -> KeyInfo | None:
        with self._session() as session:
            row = session.execute(select(AccessKey, User).join(User).where(AccessKey.ak == ak)).first()
        if row is None:
            return None
        key, user = row
        revoked = key.revoked_at is not None or user.disabled_at is not None  # a disabled user's keys do not work
        return KeyInfo(key.ak, self.master_key.secret_key(key.ak, key.salt), _user(user), revoked)

    def list_access_keys(self) -> list[dict[str, object]]:
        with self._session() as session:
            rows = session.execute(select(AccessKey, User).join(User).order_by(AccessKey.created_at)).all()
        return [
            {"ak": k.ak, "user": u.name, "domain": u.domain, "active": k.revoked_at is None and u.disabled_at is None}
            for k, u in rows
        ]

    # usage

    def add_usage(self, project_id: str, outcome: str, recognition_ms: int) -> None:
        """Count one call of ``project_id`` (atomic increment: safe with several instances)."""
        insert: Any = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        stmt = insert(UsageCounter).values(
            project_id=project_id, outcome=outcome, calls=1, recognition_ms=max(0, recognition_ms)
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[UsageCounter.project_id, UsageCounter.outcome],
            set_={
                "calls": UsageCounter.calls + stmt.excluded.calls,
                "recognition_ms": UsageCounter.recognition_ms + stmt.excluded.recognition_ms,
            },
        )
        with self.engine.begin() as connection:
            connection.execute(stmt)

    def usage(self, project_id: str) -> Usage:
        with self._session() as session:
            rows = session.scalars(select(UsageCounter).where(UsageCounter.project_id == project_id)).all()
        failures = {r.outcome: r.calls for r in rows if r.outcome != SUCCESS}
        return Usage(
            project_id=project_id,
            calls=sum(r.calls for r in rows),
            successes=sum(r.calls for r in rows if r.outcome == SUCCESS),
            failures=failures,
            recognition_seconds=sum(r.recognition_ms for r in rows) / 1000.0,
        )

    # bootstrap

    def bootstrap(self, project: str, user: str, domain: str) -> dict[str, str | None]:
        """Idempotently: the project (service enabled), the user and an access key. Secrets only when created."""
        with self._session() as session, session.begin():
            proj = session.scalars(select(Project).where(Project.name == project, Project.domain == domain)).first()
            if proj is None:
                proj = Project(id=credentials.new_id(), name=project, domain=domain, created_at=_now())
                session.add(proj)
            proj.service_enabled = True
            password: str | None = None
            row = self._find_user(session, user, domain)
            if row is None:
                password = credentials.new_password()
                row = self._add_user(session, user, domain, password)
            ak, sk = self._existing_or_new_key(session, row)
            return {"project_id": proj.id, "ak": ak, "sk": sk, "user": user, "password": password, "domain": domain}

    def _existing_or_new_key(self, session: Session, user: User) -> tuple[str, str | None]:
        existing = session.scalars(
            select(AccessKey)
            .where(AccessKey.user_id == user.id, AccessKey.revoked_at.is_(None))
            .order_by(AccessKey.created_at)
        ).first()
        if existing is not None:
            return existing.ak, None
        return self._new_key(session, user)
