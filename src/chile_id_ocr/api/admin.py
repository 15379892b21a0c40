"""``chile-id-ocr admin [--config PATH] ...``: projects, users, access keys and usage, printed as JSON.

    chile-id-ocr admin bootstrap --json            project (service on), user with password, AK/SK; idempotent
    chile-id-ocr admin projects                    list projects
    chile-id-ocr admin create-project NAME [--domain D] [--disabled]
    chile-id-ocr admin enable PROJECT_ID | disable PROJECT_ID | delete-project PROJECT_ID
    chile-id-ocr admin users                       list users (never their passwords)
    chile-id-ocr admin create-user NAME [--domain D] [--password P | --password-stdin]
    chile-id-ocr admin reset-password NAME [--domain D] [--password P | --password-stdin]
    chile-id-ocr admin disable-user NAME | enable-user NAME | delete-user NAME [--domain D]
    chile-id-ocr admin create-key USER [--domain D] | rotate-key AK | revoke-key AK | keys
    chile-id-ocr admin usage [PROJECT_ID]

Every command first upgrades the database schema (Alembic), so it also works on a fresh data directory. A
password or secret key is printed only when made (``create-user``, ``reset-password``, ``create-key``,
``rotate-key``, ``bootstrap``). Anything that cannot be done (an unknown or existing name, a configuration or
database that cannot be used) is one line on stderr, ``chile-id-ocr admin: ...``, and exit status 2: never a
traceback, never a secret.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from chile_id_ocr.api.config import SETTINGS_ERRORS, failure, use_config
from chile_id_ocr.api.settings import Settings
from chile_id_ocr.store import credentials
from chile_id_ocr.store.repo import Conflict, NotFound, Store

Command = Callable[[Store, argparse.Namespace], Any]


class AdminError(Exception):
    """What the command cannot do, in one line."""


def _bootstrap(store: Store, args: argparse.Namespace) -> Any:
    return store.bootstrap(args.project, args.user, args.domain)


def _projects(store: Store, _args: argparse.Namespace) -> Any:
    return [p.to_dict() for p in store.list_projects()]


def _create_project(store: Store, args: argparse.Namespace) -> Any:
    return store.create_project(args.name, args.domain, enabled=not args.disabled).to_dict()


def _enable(store: Store, args: argparse.Namespace) -> Any:
    return store.set_service(args.project_id, True).to_dict()


def _disable(store: Store, args: argparse.Namespace) -> Any:
    return store.set_service(args.project_id, False).to_dict()


def _delete_project(store: Store, args: argparse.Namespace) -> Any:
    return {**store.delete_project(args.project_id).to_dict(), "deleted": True}


def _password(args: argparse.Namespace) -> str:
    """``--password``, else the first line of stdin with ``--password-stdin``, else a new random password."""
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise AdminError("--password-stdin: standard input holds no password")
        return password
    return str(args.password or credentials.new_password())


def _users(store: Store, _args: argparse.Namespace) -> Any:
    return [u.to_dict() for u in store.list_users()]


def _create_user(store: Store, args: argparse.Namespace) -> Any:
    password = _password(args)
    user = store.create_user(args.name, args.domain, password)
    return {"user": user.name, "domain": user.domain, "id": user.id, "password": password}


def _reset_password(store: Store, args: argparse.Namespace) -> Any:
    password = _password(args)
    user = store.set_password(args.name, args.domain, password)
    return {"user": user.name, "domain": user.domain, "id": user.id, "password": password}


def _disable_user(store: Store, args: argparse.Namespace) -> Any:
    return store.set_user_disabled(args.name, args.domain, True).to_dict()


def _enable_user(store: Store, args: argparse.Namespace) -> Any:
    return store.set_user_disabled(args.name, args.domain, False).to_dict()


def _delete_user(store: Store, args: argparse.Namespace) -> Any:
    return {**store.delete_user(args.name, args.domain).to_dict(), "deleted": True}


def _create_key(store: Store, args: argparse.Namespace) -> Any:
    ak, sk = store.create_access_key(args.user, args.domain)
    return {"ak": ak, "sk": sk, "user": args.user, "domain": args.domain}


def _rotate_key(store: Store, args: argparse.Namespace) -> Any:
    ak, sk = store.rotate_access_key(args.ak)
    return {"ak": ak, "sk": sk, "revoked": args.ak}


def _revoke_key(store: Store, args: argparse.Namespace) -> Any:
    store.revoke_access_key(args.ak)
    return {"ak": args.ak, "active": False}


def _keys(store: Store, _args: argparse.Namespace) -> Any:
    return store.list_access_keys()


def _usage(store: Store, args: argparse.Namespace) -> Any:
    ids = [args.project_id] if args.project_id else [p.id for p in store.list_projects()]
    return [store.usage(pid).to_dict() for pid in ids]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chile-id-ocr admin", description="Administer projects and credentials.")
    parser.add_argument("--config", metavar="PATH", help="configuration file, TOML (default: $CHILE_ID_OCR_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func: Command, help_text: str, domain: bool = False) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text)
        p.set_defaults(func=func)
        if domain:
            p.add_argument("--domain", default="default")
        return p

    def with_password(p: argparse.ArgumentParser) -> None:
        given = p.add_mutually_exclusive_group()
        given.add_argument("--password", help="the password (default: a new random one, printed)")
        given.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    boot = command("bootstrap", _bootstrap, "create (once) a project, a user and an access key", domain=True)
    boot.add_argument("--json", action="store_true", help="print JSON (the only output format)")
    boot.add_argument("--project", default="default")
    boot.add_argument("--user", default="admin")
    command("projects", _projects, "list projects")
    create = command("create-project", _create_project, "create a project (service enabled)", domain=True)
    create.add_argument("name")
    create.add_argument("--disabled", action="store_true", help="create it with the service disabled")
    command("enable", _enable, "enable the service for a project").add_argument("project_id")
    command("disable", _disable, "disable the service for a project").add_argument("project_id")
    command("delete-project", _delete_project, "delete a project and its usage counters").add_argument("project_id")
    command("users", _users, "list users (never their passwords)")
    user = command("create-user", _create_user, "create a user (password generated unless given)", domain=True)
    user.add_argument("name")
    with_password(user)
    reset = command("reset-password", _reset_password, "set a user's password (generated unless given)", domain=True)
    reset.add_argument("name")
    with_password(reset)
    command("disable-user", _disable_user, "stop a user's sign-in, keys and tokens", domain=True).add_argument("name")
    command("enable-user", _enable_user, "let a disabled user in again", domain=True).add_argument("name")
    command("delete-user", _delete_user, "delete a user and its access keys", domain=True).add_argument("name")
    command("create-key", _create_key, "create an access key pair for a user", domain=True).add_argument("user")
    command("rotate-key", _rotate_key, "revoke an access key and give its user a new one").add_argument("ak")
    command("revoke-key", _revoke_key, "revoke an access key").add_argument("ak")
    command("keys", _keys, "list access keys (never their secrets)")
    command("usage", _usage, "show usage counters").add_argument("project_id", nargs="?")
    return parser


def _database_failure(exc: SQLAlchemyError) -> str:
    """The driver's own first line (never SQLAlchemy's text, which quotes the statement and its parameters)."""
    reason = str(getattr(exc, "orig", None) or type(exc).__name__).strip().splitlines()
    return f"the database cannot be used: {reason[0] if reason else type(exc).__name__}"


def _run(args: argparse.Namespace, settings: Settings | None) -> Any:
    use_config(args.config)
    store = (settings or Settings()).open_store(upgrade=True)
    try:
        return args.func(store, args)
    finally:
        store.engine.dispose()


def main(argv: Sequence[str], settings: Settings | None = None) -> int:
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        out = _run(args, settings)
    except (NotFound, Conflict, AdminError) as exc:
        message = str(exc)
    except SETTINGS_ERRORS as exc:
        message = failure(exc)
    except SQLAlchemyError as exc:
        message = _database_failure(exc)
    except (ValueError, OSError) as exc:  # an unusable master key, a data directory that cannot be written
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    else:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    print(f"chile-id-ocr admin: {message}", file=sys.stderr)
    return 2
