"""Start the Divergence Explorer web app: Voila in tree mode on the repository's ``notebooks/``.

``explorer-app`` (console script) and ``python -m explorer`` both land here.  The server is a
standalone Voila application with three additions:

* ``/`` redirects to the index notebook (``/voila/render/00_index.ipynb``);
* the repository's ``voila.json`` is read no matter which directory the command is started from
  (plain ``voila`` only looks in the current directory and the Jupyter config path);
* a clear message (and exit status 1) when the port is busy, and the URL is printed on start;
* a cap on concurrent visitors' kernels (``--max-kernels``, sized for the machine by default): a
  visitor beyond it gets a "busy, try again in a minute" page (HTTP 503) instead of a kernel the
  machine cannot hold; a closed tab's kernel is shut down at once; and kernels whose page is open
  but unused for ``VisitorKernelManager.cull_connected_timeout`` seconds are culled
  (:mod:`explorer._serving`; docs/deploy.md);
* kernels connected over Unix sockets (``--KernelManager.transport=ipc``, POSIX) rather than
  loopback TCP ports, which kernels starting together raced for;
* ``--export DIR``: instead of serving, an offline static snapshot of every page
  (:mod:`explorer.export`).

Everything else -- hidden sources, no tracebacks for visitors, the friendly cell-error text,
execution timeout, kernel culling, preheated kernels -- is Voila's own configuration in
``voila.json`` at the repository root, so ``voila notebooks/`` and Binder's server-extension mode
see the same settings.

Options that look like traitlets settings (``--VoilaExecutor.timeout=60``) are passed through to
Voila unchanged; later options win, so they can override ``voila.json``.
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import signal
import socket
import subprocess
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8866
INDEX_NOTEBOOK = "00_index.ipynb"
CONFIG_BASENAME = "voila"  # Voila reads voila.json / voila.py
KERNEL_TRANSPORT = "ipc"  # on POSIX systems (zmq has no ipc transport on Windows)

#: The directory holding the ``explorer`` package; the repository root in a checkout/editable install.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# ``--Class.trait=value`` / ``--Class.trait value``: handed to Voila's traitlets parser as is.
_TRAITLET_OPTION = re.compile(r"^--[A-Za-z_]\w*(\.[A-Za-z_]\w*)+(=.*)?$")


class NotebooksDirNotFound(FileNotFoundError):
    """The notebooks directory to serve does not exist."""


class PortInUse(OSError):
    """The requested host/port cannot be bound."""


def find_notebooks_dir(
    explicit: str | os.PathLike[str] | None = None,
    *,
    project_root: Path = PROJECT_ROOT,
    cwd: Path | None = None,
) -> Path:
    """Return the directory of notebooks to serve, as an absolute path.

    ``explicit`` (``--notebooks DIR``) must be an existing directory.  Otherwise the first existing
    one of ``<project_root>/notebooks`` (the package's own checkout) and ``<cwd>/notebooks`` wins.
    Raises :class:`NotebooksDirNotFound` with a message saying where it looked and what to do.
    """
    cwd = Path.cwd() if cwd is None else Path(cwd)
    if explicit is not None:
        path = Path(explicit).expanduser()
        if not path.is_absolute():
            path = cwd / path
        if not path.is_dir():
            what = "is not a directory" if path.exists() else "does not exist"
            raise NotebooksDirNotFound(f"notebooks directory {path} {what} (given with --notebooks).")
        return path.resolve()
    candidates = [Path(project_root) / "notebooks", cwd / "notebooks"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate.resolve()
    looked = " and ".join(str(c) for c in dict.fromkeys(candidates))
    raise NotebooksDirNotFound(
        f"could not find the notebooks directory (looked in {looked}). "
        "Run explorer-app from the repository root or pass --notebooks DIR."
    )


def config_dirs(project_root: Path = PROJECT_ROOT, cwd: Path | None = None) -> list[str]:
    """Directories searched for ``voila.json``, highest priority first.

    The repository root (where the project's ``voila.json`` lives) comes first, then the current
    directory, then the Jupyter config path -- so the project's settings apply from any CWD.
    """
    from jupyter_core.paths import jupyter_config_path

    cwd = Path.cwd() if cwd is None else Path(cwd)
    dirs = [str(Path(project_root).resolve()), str(cwd.resolve()), *jupyter_config_path()]
    return list(dict.fromkeys(dirs))


def config_dict(value: object) -> dict:
    """A dict-valued traitlets setting as the configured class will see it.

    A value from voila.json is a dict already; one given on the command line
    (``--VoilaKernelManager.kernel_pools_config={...}``) stays a ``DeferredConfigString`` (or a
    ``LazyConfigValue`` for ``key=value`` items) until a class with that trait loads it, so it is
    parsed here the same way (``traitlets.Dict().from_string``).  Anything that is not a dict
    then gives ``{}``: the configured class reports the bad value itself.
    """
    from traitlets import Dict
    from traitlets.config.loader import DeferredConfigString, LazyConfigValue

    if isinstance(value, DeferredConfigString):
        try:
            with warnings.catch_warnings():  # traitlets' "{...} for dict-traits is deprecated" (said once)
                warnings.simplefilter("ignore", DeprecationWarning)
                value = value.get_value(Dict())
        except Exception:
            return {}
    elif isinstance(value, LazyConfigValue):
        value = value.get_value({})
    return dict(value) if isinstance(value, dict) else {}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="explorer-app",
        description="Serve the Divergence Explorer notebooks as a web app (Voila).",
        epilog="Options of the form --Class.trait=value (e.g. --VoilaExecutor.timeout=60) "
        "are passed to Voila and override voila.json.",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="interface to listen on (default: %(default)s)")
    parser.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="port to listen on (default: %(default)s)"
    )
    parser.add_argument("--open", action="store_true", help="open the app in a web browser once it runs")
    parser.add_argument(
        "--debug", action="store_true", help="debug log, and show tracebacks in the page (development only)"
    )
    parser.add_argument(
        "--max-kernels",
        type=int,
        default=None,
        metavar="N",
        help="at most N visitors' kernels at a time; further visitors get a 'busy, try again' page "
        "(default: sized for this machine, min(10 per CPU core, what fits in 75%% of its memory); "
        "0: no cap)",
    )
    parser.add_argument(
        "--export",
        metavar="DIR",
        default=None,
        help="instead of serving, write an offline snapshot of every page to DIR (static HTML with its "
        "figures and the JavaScript beside it; no network needed to view it, but nothing recomputes)",
    )
    parser.add_argument(
        "--pages",
        metavar="NAMES",
        default=None,
        help="with --export: comma-separated notebook names to export (e.g. 00_index,03_kde; default all)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=900.0,
        metavar="SECONDS",
        help="with --export: seconds each page may take to run and draw its tabs (default: %(default)s)",
    )
    parser.add_argument(
        "--notebooks",
        metavar="DIR",
        default=None,
        help="directory of notebooks to serve (default: the repository's notebooks/, else ./notebooks)",
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> tuple[argparse.Namespace, list[str]]:
    """Parse the command line; return (options, traitlets options passed through to Voila)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))
    passthrough: list[str] = []
    items = iter(extra)
    for item in items:
        if not _TRAITLET_OPTION.match(item):
            parser.error(f"unrecognized argument: {item}")
        if "=" not in item:  # "--Class.trait value"
            value = next(items, None)
            if value is None:
                parser.error(f"{item} needs a value")
            item = f"{item}={value}"
        passthrough.append(item)
    if not 0 < args.port < 65536:
        parser.error(f"--port must be between 1 and 65535, not {args.port}")
    if args.export is None and args.pages is not None:
        parser.error("--pages only goes with --export DIR")
    if not args.timeout > 0:
        parser.error(f"--timeout must be positive, not {args.timeout}")
    if args.max_kernels is not None and args.max_kernels < 0:
        parser.error(f"--max-kernels must be 0 (no cap) or positive, not {args.max_kernels}")
    return args, passthrough


def url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def app_url(host: str, port: int) -> str:
    return f"http://{url_host(host)}:{port}/"


def voila_argv(args: argparse.Namespace, notebooks_dir: Path, passthrough: Sequence[str] = ()) -> list[str]:
    """The argument list given to the Voila application."""
    argv = [
        str(notebooks_dir),
        f"--Voila.ip={args.host}",
        f"--Voila.port={args.port}",
        "--Voila.port_retries=0",  # a busy port is an error, not silently another port
        f"--Voila.open_browser={bool(args.open)}",
        "--VoilaConfiguration.strip_sources=True",
    ]
    if args.max_kernels is not None:
        argv.append(f"--ExplorerVoila.max_kernels={args.max_kernels}")
    if args.debug:
        argv.append("--debug")  # log level DEBUG + tracebacks in the page
    else:
        argv.append("--VoilaConfiguration.show_tracebacks=False")
    if os.name == "posix":
        # Kernels talk to the server over Unix sockets in Voila's private connection directory
        # instead of loopback TCP ports: jupyter_client picks a free port, releases it and the
        # kernel binds it later, so kernels starting together (a preheated pool filling) raced
        # for ports ("ZMQError: Address already in use", a kernel dead at start; docs/deploy.md).
        argv.append(f"--KernelManager.transport={KERNEL_TRANSPORT}")
    argv.extend(passthrough)
    return argv


def check_port_free(host: str, port: int) -> None:
    """Raise :class:`PortInUse` (with a readable message) if ``host:port`` cannot be bound."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise PortInUse(f"cannot resolve host {host!r}: {exc}") from exc
    for family, socktype, proto, _, sockaddr in infos[:1]:
        with socket.socket(family, socktype, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado does
            try:
                sock.bind(sockaddr)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise PortInUse(
                        f"port {port} on {host} is already in use. Stop the other server "
                        f"or choose another port, e.g. explorer-app --port {port + 1}"
                    ) from exc
                raise PortInUse(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def stop_app(proc: subprocess.Popen) -> None:
    """Stop an ``explorer-app`` started as a subprocess in its own session (``start_new_session``):
    SIGTERM (Voila shuts its kernels down, 3-5 s), wait, then SIGKILL the session's process group
    (kernels are the server's children there) to take out any straggler."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def make_app_class():
    """The Voila subclass (imported lazily: importing Voila takes a moment)."""
    import tornado.ioloop
    import tornado.web
    from jupyter_server.utils import url_path_join
    from traitlets import Integer, default
    from voila.app import Voila
    from voila.tornado.handler import TornadoVoilaHandler

    from explorer import _serving, _templates

    class ExplorerVoila(Voila):
        name = "explorer-app"
        description = "Divergence Explorer: the project's notebooks served with Voila."

        max_kernels = Integer(
            -1,
            config=True,
            help="At most this many visitors' kernels at a time; a visitor beyond it gets a 'busy, "
            "try again in a minute' page (HTTP 503). -1: sized for the machine; 0: no cap.",
        )
        busy_retry_after = Integer(
            _serving.RETRY_AFTER, config=True, help="Seconds the busy page asks visitors to wait."
        )
        pool_refill_concurrency = Integer(
            -1,
            config=True,
            help="Preheated kernels refilled at the same time after visitors take them (each runs "
            "its notebook, ~4 s of CPU). -1: half the CPU cores, at least 1; 0: no limit.",
        )

        def pool_kernels(self) -> int:
            """Preheated kernels kept waiting (they live next to the visitors' kernels)."""
            if not self.voila_configuration.preheat_kernel:
                return 0
            pools = config_dict(self.config.get("VoilaKernelManager", {}).get("kernel_pools_config", {}))

            def size(name: str, fallback: int) -> int:
                entry = pools.get(name)
                return int(entry.get("pool_size", fallback)) if isinstance(entry, dict) else fallback

            default_size = size("default", self.voila_configuration.default_pool_size)
            notebooks = [p for p in pools if p != "default"]
            if self.notebook_path is None and default_size > 0:
                notebooks += [str(p.relative_to(self.root_dir)) for p in Path(self.root_dir).rglob("*.ipynb")]
            total = 0
            for name in dict.fromkeys(notebooks):
                if os.path.isfile(os.path.join(self.root_dir, name)):
                    total += max(0, size(name, default_size))
            return total

        def init_settings(self):
            # Visitors' kernels get the second culling rule (open but unused pages), unless a
            # kernel manager class was configured explicitly.
            if "multi_kernel_manager_class" not in self.config.get("VoilaConfiguration", {}):
                self.voila_configuration.multi_kernel_manager_class = _serving.VisitorKernelManager
            limit = self.max_kernels
            if limit < 0:
                limit = _serving.default_max_kernels(pool_kernels=self.pool_kernels())
            self.kernel_cap = _serving.KernelCap(limit)
            result = super().init_settings()
            _templates.share_compiled_templates()  # each page render compiled them all again
            refills = self.pool_refill_concurrency
            if refills < 0:
                refills = max(1, (os.cpu_count() or 2) // 2)
            if _serving.limit_pool_refills(self.kernel_manager, refills, log=self.log):
                self.log.info("Preheated pools refill at most %d kernel(s) at a time", refills)
            return result

        @default("config_file_paths")
        def _config_file_paths_default(self):
            # The repository's voila.json first, whatever the current directory is.
            return config_dirs()

        def landing_path(self, prefix: str | None = None) -> str | None:
            """The index page's path under ``prefix`` (default: ``base_url``, as browsers see it)."""
            if self.notebook_path is None and os.path.isfile(os.path.join(self.root_dir, INDEX_NOTEBOOK)):
                root = self.base_url if prefix is None else prefix
                return url_path_join(root, "voila/render", INDEX_NOTEBOOK)
            return None

        def init_handlers(self):
            capped = _serving.make_render_handler(
                TornadoVoilaHandler, self.kernel_cap, self.busy_retry_after
            )
            handlers = [
                (rule[0], capped, *rule[2:]) if rule[1] is TornadoVoilaHandler else rule
                for rule in super().init_handlers()
            ]
            # The redirect is under server_url (the path the server sees): a proxy that strips a
            # prefix (jupyter-server-proxy, nginx's proxy_redirect) puts the prefix back on
            # Location itself; with base_url the prefix would be doubled.
            target = self.landing_path(self.server_url)
            if target is None:
                self.log.warning("No %s in %s: / shows the file list.", INDEX_NOTEBOOK, self.root_dir)
                return handlers
            # Tornado takes the first matching rule, so this beats the tree handler on "/".
            redirect = (self.server_url, tornado.web.RedirectHandler, {"url": target, "permanent": False})
            return [redirect, *handlers]

        def start(self):
            # Runs once the IOLoop is running, i.e. after listen() succeeded.
            tornado.ioloop.IOLoop.current().add_callback(self._announce)
            super().start()

        def _announce(self):
            url = app_url(self.ip, self.port)
            landing = self.landing_path()
            lines = [
                "",
                "=" * 64,
                f"  Divergence Explorer is running at  {url}",
            ]
            if landing:
                lines.append(f"  (index page: {url.rstrip('/')}{landing})")
            cap = self.kernel_cap.max_kernels
            lines.append(f"  At most {cap} visitors at a time (--max-kernels)." if cap > 0 else
                         "  No cap on visitors (--max-kernels=0).")
            lines += ["  Press Ctrl+C to stop.", "=" * 64, ""]
            print("\n".join(lines), flush=True)

    return ExplorerVoila


def run_export(args: argparse.Namespace) -> int:
    """``--export DIR``: write the offline snapshot (:func:`explorer.export.export`)."""
    from explorer.export import export

    pages = None if args.pages is None else [p.strip().removesuffix(".ipynb") for p in args.pages.split(",")
                                             if p.strip()]
    try:
        export(args.export, find_notebooks_dir(args.notebooks), pages=pages, timeout=args.timeout)
    except (NotebooksDirNotFound, ValueError, FileNotFoundError) as exc:
        print(f"explorer-app: error: {exc}", file=sys.stderr)
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args, passthrough = parse_args(argv)
    if args.export is not None:
        return run_export(args)
    try:
        notebooks_dir = find_notebooks_dir(args.notebooks)
        check_port_free(args.host, args.port)
    except (NotebooksDirNotFound, PortInUse) as exc:
        print(f"explorer-app: error: {exc}", file=sys.stderr)
        return 1
    # Serving as root needs nothing special: unlike `jupyter server` (which refuses without
    # --allow-root), the standalone Voila application has no root check.
    app_class = make_app_class()
    try:
        app_class.launch_instance(voila_argv(args, notebooks_dir, passthrough))
    except SystemExit as exc:  # Voila calls exit(1) when it cannot listen
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        return code
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
