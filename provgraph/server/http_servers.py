"""The WSGI servers ``provgraph serve`` runs on: in the process that owns the store, or (granian,
``workers`` > 1, :func:`run_processes`) in query processes reading its snapshots (:mod:`.workers`).

**granian** (the default) parses HTTP in Rust (hyper) and calls the WSGI application on a pool of
``threads`` blocking threads; Python runs only the application. On a 2-core machine under load
it answered a one-line WSGI app 4x as fast as waitress (8.4k against 2.1k requests/s, wrk with 8
connections; benchmarks/service_bench.py measures both on the real service). granian normally
runs its workers as separate processes; provgraph must hold the store in the process that answers
requests, so it runs granian's thread-worker server (:class:`granian.server.mt.MTServer`) with
one worker *thread* in this process. granian reserves that server for free-threaded Python builds,
but nothing in it needs that: the WSGI worker calls the application under the GIL as its
process workers do, and pyoxigraph releases the GIL while it evaluates, so queries still run on
every core. ``io_threads`` sets granian's runtime threads (HTTP reading and writing); on 2 cores,
2 against 1 measured from +25 % to nothing on point queries across runs (benchmarks/RESULTS.md,
session 4), so it stays at granian's 1. The pinned granian minor version is the one this was written and tested against.

**waitress** (``http_server = "waitress"``): pure Python, no compiled code, for platforms without
a granian wheel. Its asynchronous front end reads whole requests (with a body limit) before a
worker thread sees them.
"""

from __future__ import annotations

import os
import signal
import socket
from typing import Callable

from ..config import ConfigError, ServiceConfig

HTTP_SERVERS = ("granian", "waitress")
#: waitress refuses bodies over this multiple of ``max_request_bytes`` itself; below it, Flask
#: answers 413 in the JSON error shape (waitress's own 413 is plain text).
WAITRESS_BODY_FACTOR = 4


def run(app, config: ServiceConfig, on_listening: Callable[[str, int], None]) -> None:
    """Serve the WSGI ``app`` on ``config.host``/``config.port`` with ``config.http_server`` until
    SIGINT or SIGTERM; ``on_listening(name, port)`` is called once the socket listens (``port`` is
    the one bound, also for port 0). Raises :class:`OSError` when the address cannot be bound and
    :class:`ConfigError` for an unknown server name."""
    if config.http_server == "granian":
        _run_granian(app, config, on_listening)
    elif config.http_server == "waitress":
        _run_waitress(app, config, on_listening)
    else:
        raise ConfigError(f"http_server {config.http_server!r} is not offered; use one of {', '.join(HTTP_SERVERS)}")


def _run_granian(app, config: ServiceConfig, on_listening: Callable[[str, int], None]) -> None:
    from granian.server.mt import MTServer

    class InProcessGranian(MTServer):
        def _check_gil(self) -> None:
            pass  # one worker thread calling WSGI under the GIL, as granian's process workers do

        def _init_shared_socket(self) -> None:
            _bind_and_listen(self)

    server = _granian(InProcessGranian, config, workers=1)
    _announce_on_startup(server, on_listening)
    server.serve(target_loader=lambda *args, **kwargs: app, wrap_loader=False)


def run_processes(load_app: Callable[[], object], config: ServiceConfig, on_listening: Callable[[str, int], None]) -> None:
    """Serve on ``config.workers`` granian worker processes, each answering with the WSGI app that
    ``load_app()`` (picklable) builds in it, until SIGINT or SIGTERM; otherwise as :func:`run`."""
    import multiprocessing

    from granian.server.mp import MPServer

    class ProcessesGranian(MPServer):
        def _init_shared_socket(self) -> None:
            _bind_and_listen(self)
            self._sso = socket.socket(fileno=self._sfd)
            self._sso.set_inheritable(True)  # as MPServer does: the workers accept on it

    # fork would copy this process's open read-write store and its threads into each worker
    multiprocessing.set_start_method("spawn", force=True)
    server = _granian(ProcessesGranian, config, workers=config.workers)
    _announce_on_startup(server, on_listening)
    server.serve(target_loader=load_app, wrap_loader=False)


def _granian(server_class, config: ServiceConfig, *, workers: int):
    from granian.constants import Interfaces
    from granian.log import LogLevels

    return server_class("provgraph", address=config.host, port=config.port, interface=Interfaces.WSGI,
                        workers=workers, blocking_threads=config.threads, runtime_threads=config.io_threads,
                        log_level=LogLevels.error, respawn_failed_workers=False)


def _bind_and_listen(server) -> None:
    """Bind here (not in a worker) so the port — also a free one for port 0 — is known at once."""
    from granian.net import SocketSpec

    try:
        server._shd = SocketSpec(server.bind_addr, server.bind_port, server.backlog).build()
    except RuntimeError as exc:  # the Rust side reports bind errors as RuntimeError
        raise OSError(str(exc).strip().splitlines()[0]) from None  # without the Rust backtrace
    server._sfd = server._shd.get_fd()
    with socket.socket(fileno=os.dup(server._sfd)) as bound:
        bound.listen(server.backlog)  # granian's worker listens later; connect() must not be refused before


def _announce_on_startup(server, on_listening: Callable[[str, int], None]) -> None:
    def announce() -> None:
        with socket.socket(fileno=os.dup(server._sfd)) as bound:  # a duplicate: closing it leaves the listener
            on_listening("granian", bound.getsockname()[1])

    server.on_startup(announce)


def _run_waitress(app, config: ServiceConfig, on_listening: Callable[[str, int], None]) -> None:
    from waitress.server import create_server

    server = create_server(app, host=config.host, port=config.port, threads=config.threads,
                           max_request_body_size=config.max_request_bytes * WAITRESS_BODY_FACTOR,
                           ident="provgraph", clear_untrusted_proxy_headers=True)
    on_listening("waitress", server.effective_port)
    signal.signal(signal.SIGTERM, _exit_on_signal)
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.close()


def _exit_on_signal(signum, frame) -> None:
    raise SystemExit(0)
