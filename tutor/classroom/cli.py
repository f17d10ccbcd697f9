"""The classroom commands: `serve ssh`, `serve web` and `class`.

`tutor.cli` adds them with `add_commands(subparsers)` and hands a parsed
namespace whose command is "serve" or "class" to `run(args)`. Nothing heavy is
imported until a command runs (not even asyncio: `python -m tutor list` stays
quick), and asyncssh and textual-serve are an optional extra.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutor.classroom.ssh_server import Auth, ClassroomServer, ServerConfig
    from tutor.classroom.web_server import ClassroomWebServer

__all__ = ["PASSWORD_ENV", "add_commands", "run"]

PASSWORD_ENV = "TUTOR_CLASS_PASSWORD"
EXTRA_HINT = "pip install 'backprop-tutor[classroom]'"

_NO_AUTH = f"""tutor serve ssh: choose how students log in:
  --authorized-keys FILE   their public keys, one a line (as in ~/.ssh/authorized_keys)
  --password               one class password, from ${PASSWORD_ENV} or typed at a prompt
  --open                   no login at all: only on a network you trust"""


def _data_dir_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: `python -m tutor --data-dir X serve ssh` keeps X (a subparser default would overwrite it).
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        default=argparse.SUPPRESS,
        help="the server's folder: host key and users/<name>/ progress (default: <tutor data>/classroom)",
    )


def _allow_code_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-code",
        action="store_true",
        help="let students run exercise code, each run inside a bubblewrap sandbox (refuses to start without one)",
    )


def _code_refused(args: argparse.Namespace) -> str | None:
    """Why `--allow-code` cannot be honoured here (no working sandbox), or None."""
    if not getattr(args, "allow_code", False):
        return None
    from tutor.exercises.cli import sandbox_problem

    why = sandbox_problem()
    return f"tutor serve {args.serve_kind}: --allow-code needs a working sandbox, and {why}" if why else None


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add `serve {ssh,web}` and `class` to the tutor's command line."""
    serve = subparsers.add_parser("serve", help="serve the tutor to a class (over SSH or to browsers)")
    kinds = serve.add_subparsers(dest="serve_kind", metavar="KIND", required=True)

    ssh = kinds.add_parser(
        "ssh",
        help="an SSH server: each student runs `ssh -p PORT NAME@HOST`",
        description="Serve the tutor over SSH: every session gets its own tutor, every user name its own progress.",
    )
    ssh.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    ssh.add_argument("--port", type=int, default=2222, help="TCP port (default 2222)")
    auth = ssh.add_mutually_exclusive_group()
    auth.add_argument("--authorized-keys", metavar="FILE", type=Path, help="log in with the public keys in FILE")
    auth.add_argument(
        "--password",
        action="store_true",
        help=f"log in with a class password, read from ${PASSWORD_ENV} or a prompt (never from the command line)",
    )
    auth.add_argument("--open", action="store_true", help="no login at all (a trusted lab network only)")
    ssh.add_argument("--max-sessions", type=int, default=40, metavar="N", help="most students at once (default 40)")
    ssh.add_argument(
        "--max-per-address",
        type=int,
        default=0,
        metavar="N",
        help="most sessions from one network address (default: no limit; not behind NAT or a proxy)",
    )
    ssh.add_argument(
        "--idle-timeout",
        type=float,
        default=1800,
        metavar="SECONDS",
        help="close a session after this long without a key press (default 1800; 0: never)",
    )
    _data_dir_option(ssh)
    _allow_code_option(ssh)

    web = kinds.add_parser(
        "web",
        help="a web server: each student opens http://HOST:PORT/ in a browser",
        description="Serve the tutor to browsers with textual-serve: one tutor process per tab, no internet needed.",
    )
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 for all)")
    web.add_argument("--port", type=int, default=8000, help="TCP port (default 8000)")
    web.add_argument("--max-sessions", type=int, default=40, metavar="N", help="most tabs at once (default 40)")
    web.add_argument(
        "--allowed-origin",
        action="append",
        default=[],
        metavar="URL",
        help="a page address allowed to open tutors besides this server's own, e.g. https://tutor.example.org "
        "(the public address behind a proxy; repeatable)",
    )
    _data_dir_option(web)
    _allow_code_option(web)

    klass = subparsers.add_parser("class", help="the teacher's view: each student, their lesson and what they finished")
    _data_dir_option(klass)


def run(args: argparse.Namespace) -> int:
    """Run `serve ssh`, `serve web` or `class`; the exit status."""
    if args.command == "class":
        return _run_class(args)
    if not 0 <= args.port <= 65535:  # 0: any free port (the server says which)
        print(f"tutor serve {args.serve_kind}: --port {args.port} is not a TCP port (1 to 65535)", file=sys.stderr)
        return 2
    refused = _code_refused(args)
    if refused:
        print(refused, file=sys.stderr)
        return 2
    if args.serve_kind == "ssh":
        return _run_ssh(args)
    return _run_web(args)


# -- shared --


def _server_dir(args: argparse.Namespace) -> Path:
    from tutor.classroom.users import default_server_dir

    data_dir = getattr(args, "data_dir", None)
    return Path(data_dir).expanduser().resolve() if data_dir else default_server_dir()


def _tutor_args(args: argparse.Namespace) -> list[str]:
    """The tutor options given before `serve` that every student's tutor gets too."""
    extra: list[str] = []
    for folder in getattr(args, "lessons", None) or []:
        extra += ["--lessons", str(Path(folder).resolve())]
    if getattr(args, "theme", None):
        extra += ["--theme", args.theme]
    extra += ["--code", "sandbox" if getattr(args, "allow_code", False) else "off"]
    return extra


def _cannot_listen(kind: str, host: str, port: int, exc: OSError) -> str:
    """One line saying why a server cannot listen on host:port (exit status 2)."""
    import errno

    where = f"{host}:{port}"
    if exc.errno == errno.EADDRINUSE:
        why = f"port {port} is in use (another server?); choose another with --port"
    elif exc.errno == errno.EACCES:
        why = f"no permission to use port {port} (below 1024 needs root); choose another with --port"
    elif exc.errno == errno.EADDRNOTAVAIL:
        why = f"{host} is not an address of this machine; check --host"
    elif isinstance(exc, OSError) and type(exc).__name__ == "gaierror":
        why = f"{host!r} is not a valid address or host name; check --host"
    else:
        why = exc.strerror or str(exc)
    return f"tutor serve {kind}: cannot listen on {where}: {why}"


def _setup_logging() -> None:
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    logger = logging.getLogger("tutor.classroom")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logging.getLogger("asyncssh").setLevel(logging.WARNING)


def _outward_address() -> str | None:
    """This machine's address on the network (no packet is sent), to tell students."""
    import contextlib
    import socket

    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # TEST-NET-1: routing decides the interface, nothing goes out
        return s.getsockname()[0]
    return None


async def _until_stopped() -> None:
    import asyncio
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


# -- serve ssh --


def _auth(args: argparse.Namespace) -> Auth | str:
    """The `Auth` the options ask for, or an error message."""
    from tutor.classroom.ssh_server import Auth

    if args.authorized_keys:
        path = Path(args.authorized_keys).expanduser()
        if not path.is_file():
            return f"tutor serve ssh: no file {path} (--authorized-keys wants a file of public keys)"
        return Auth.keys(path.resolve())
    if args.password:
        import getpass

        password = os.environ.get(PASSWORD_ENV)
        if password is None:
            if not sys.stdin.isatty():
                return f"tutor serve ssh: --password reads the class password from ${PASSWORD_ENV} or a prompt"
            password = getpass.getpass("Class password: ")
            if password != getpass.getpass("Again: "):
                return "tutor serve ssh: the two passwords differ"
        if not password:
            return "tutor serve ssh: the class password is empty"
        return Auth.class_password(password)
    if args.open:
        return Auth.open()
    return _NO_AUTH


def _run_ssh(args: argparse.Namespace) -> int:
    try:
        import asyncssh  # noqa: F401
    except ImportError:
        print(f"tutor serve ssh needs asyncssh: {EXTRA_HINT}", file=sys.stderr)
        return 2
    from tutor.classroom.ssh_server import ServerConfig

    auth = _auth(args)
    if isinstance(auth, str):
        print(auth, file=sys.stderr)
        return 2
    if args.max_sessions < 1:
        print("tutor serve ssh: --max-sessions must be at least 1", file=sys.stderr)
        return 2
    if args.max_per_address < 0:
        print("tutor serve ssh: --max-per-address must be 0 (no limit) or more", file=sys.stderr)
        return 2
    config = ServerConfig(
        data_dir=_server_dir(args),
        auth=auth,
        host=args.host,
        port=args.port,
        max_sessions=args.max_sessions,
        max_per_address=args.max_per_address,
        idle_timeout=max(args.idle_timeout, 0),
        tutor_args=_tutor_args(args),
    )
    _setup_logging()
    import asyncio

    return asyncio.run(_serve_ssh(config))


async def _serve_ssh(config: ServerConfig) -> int:
    from tutor.classroom.ssh_server import ClassroomServer

    server = ClassroomServer(config)
    try:
        await server.start()
    except OSError as exc:
        print(_cannot_listen("ssh", config.host, config.port, exc), file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"tutor serve ssh: cannot start on {config.host}:{config.port}: {exc}", file=sys.stderr)
        return 1
    _announce_ssh(server)
    await _until_stopped()
    print(f"\nStopping: ending {len(server.sessions)} session(s)…", flush=True)
    await server.close()
    return 0


def _announce_ssh(server: ClassroomServer) -> None:
    import socket

    config = server.config
    everywhere = config.host in ("0.0.0.0", "::", "")
    port = server.port
    if everywhere:
        where = _outward_address() or "THIS-MACHINE"
        target = f"{socket.gethostname()} (or {where})"
    else:
        where = target = config.host
    port_opt = "" if port == 22 else f"-p {port} "
    made = "new, made now" if server.host_key_created else "kept"
    lines = [
        "Backprop Tutor classroom server (SSH)",
        f"  listening on  {config.host}:{port}",
        f"  students type ssh {port_opt}NAME@{where}    (NAME: their own, e.g. ana; it keeps their progress)",
        f"  host key      {server.fingerprint} (ED25519, {made}: {server.host_key_path})",
        "                students can check it on their first connection",
        f"  login         {config.auth.describe()}",
        f"  progress in   {Path(config.data_dir) / 'users'}/<name>/",
        f"  at most       {config.max_sessions} sessions; idle ones close after "
        + (f"{config.idle_timeout:g} s" if config.idle_timeout else "never"),
    ]
    if everywhere:
        lines.append(f"  note: listening on every network interface ({target}); open TCP port {port} in the firewall")
    else:
        lines.append("  only this machine can connect; --host 0.0.0.0 lets the class in")
    lines.append("  Ctrl+C stops the server.")
    print("\n".join(lines), flush=True)


# -- serve web --


def _run_web(args: argparse.Namespace) -> int:
    try:
        import textual_serve  # noqa: F401
    except ImportError:
        print(f"tutor serve web needs textual-serve: {EXTRA_HINT}", file=sys.stderr)
        return 2
    from tutor.classroom.web_server import ClassroomWebServer

    if args.max_sessions < 1:
        print("tutor serve web: --max-sessions must be at least 1", file=sys.stderr)
        return 2
    try:
        server = ClassroomWebServer(
            _server_dir(args),
            host=args.host,
            port=args.port,
            tutor_args=_tutor_args(args),
            max_sessions=args.max_sessions,
            allowed_origins=args.allowed_origin,
        )
    except ValueError as exc:
        print(f"tutor serve web: --allowed-origin: {exc}", file=sys.stderr)
        return 2
    _setup_logging()
    import asyncio

    return asyncio.run(_serve_web(server))


async def _serve_web(server: ClassroomWebServer) -> int:
    from tutor.classroom.web_server import announce

    try:
        await server.start()
    except OSError as exc:
        print(_cannot_listen("web", server.host, server.port, exc), file=sys.stderr)
        return 2
    announce(server)
    await _until_stopped()
    print("\nStopping…", flush=True)
    await server.close()
    return 0


# -- class --


def _run_class(args: argparse.Namespace) -> int:
    from lessons.catalog import load_catalog
    from tutor.classroom.teacher import run_class

    return run_class(_server_dir(args), load_catalog(getattr(args, "lessons", None) or []))
