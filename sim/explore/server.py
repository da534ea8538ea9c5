"""Serving the explorer: Solara on host:port, offline, until Ctrl-C.

Offline is made in three layers, each enough on its own for the page:

* every file the page loads comes from this server: Solara's JavaScript, CSS and fonts from the
  ``solara-assets`` package of the same version (served under ``/_solara/cdn`` by Solara's own
  assets proxy), and plotly.js from the installed plotly package (``/static/assets``);
* the server itself fetches nothing: Solara's telemetry is off, the CDN it would fall back to for a
  missing asset is set to an address on this machine that refuses, and production mode skips the
  page's version-check frame;
* the process refuses any outgoing connection or name lookup that is not for this machine
  (:func:`refuse_the_network`), and says so on stderr, so a future dependency that phones home fails
  loudly instead of leaking.

Solara reads its settings from the environment when it is first imported, so :func:`serve` sets
them before importing it. The page's run folders live in one temporary folder, removed on exit.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import signal
import socket
import sys
import tempfile
import threading
import time
import warnings
import webbrowser
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.errors import DipsimError
from sim.explore.plot import PLOTLY_JS
from sim.explore.session import Explorer

URL_PREFIX = "dipsim explorer: "  # the line tests and scripts wait for: the server accepts connections
_REFUSING_CDN = "http://127.0.0.1:9/"  # the discard port: nothing listens, so a fetch fails at once
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def check_assets() -> Path:
    """solara-assets of solara's own version, or a refusal: without it the page would load its
    JavaScript from a CDN. Returns plotly.js's folder, which the server adds to its assets."""
    try:
        solara, assets = metadata.version("solara"), metadata.version("solara-assets")
    except metadata.PackageNotFoundError as missing:
        raise DipsimError(
            f"the explorer needs {missing.name} (pip install 'solara-assets==<solara's version>'); "
            "without it the page would load its JavaScript from a CDN"
        ) from None
    if solara != assets:
        raise DipsimError(
            f"solara {solara} with solara-assets {assets}: the explorer needs the same version of both, "
            "or the page would load its JavaScript from a CDN"
        )
    import plotly

    folder = Path(plotly.__file__).parent / "package_data"
    if not (folder / PLOTLY_JS).is_file():
        raise DipsimError(f"{folder / PLOTLY_JS} is missing; reinstall plotly")
    return folder


def solara_environment(home: Path, plotly_js: Path) -> dict[str, str]:
    """The settings Solara reads at import: offline, production, no telemetry, home in our temp folder."""
    return {
        "SOLARA_APP": "sim.explore.app",
        "SOLARA_MODE": "production",  # no version-check frame from solara.dev, no auto-reload
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "SOLARA_ASSETS_PROXY": "True",  # the page asks this server, which serves solara-assets' files
        "SOLARA_ASSETS_CDN": _REFUSING_CDN,  # and a file missing from them is not fetched from anywhere
        "SOLARA_ASSETS_EXTRA_LOCATIONS": str(plotly_js),
        "SOLARA_THEME_SHOW_BANNER": "False",
        "SOLARA_THEME_TITLE": "dipsim explorer",
        "SOLARA_KERNEL_CULL_TIMEOUT": "5m",  # a page whose browser vanished is freed after 5 min, not 24 h
        "SOLARA_HOME": str(home),  # Solara's cache and ids: in the temporary folder, not in ~/.solara
    }


def _is_local(host: object) -> bool:
    if not isinstance(host, str):
        return True  # a Unix socket path or a raw address family: not the network
    name = host.strip("[]").split("%")[0]
    if name.lower() in _LOCAL_NAMES or name == "":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def refuse_the_network() -> None:
    """From now on this process may connect to, and look up, nothing but this machine.

    A Python audit hook sees every socket connect and name lookup, whichever library makes it; it
    cannot be removed, which is why it is installed only in the explorer's own process.
    """

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "socket.connect":
            address = args[1]
            host = address[0] if isinstance(address, tuple) else address
        elif event == "socket.getaddrinfo":
            host = args[0]
            host = host.decode() if isinstance(host, bytes) else host
        else:
            return
        if host is not None and not _is_local(host):
            print(
                f"dipsim explore: refused a connection to {host} (the explorer works offline)",
                file=sys.stderr,
            )
            raise PermissionError(f"dipsim explore works offline; refused a connection to {host}")

    sys.addaudithook(hook)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or a one-line refusal naming the address (a port in use, an unknown host)."""
    try:
        family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as error:
        raise DipsimError(f"--host {host}: not an address of this machine ({error.strerror})") from None
    sock = socket.socket(family, kind, protocol)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        if error.errno == 98:  # EADDRINUSE
            raise DipsimError(f"port {port} on {host} is in use; choose another with --port") from None
        raise DipsimError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    sock.set_inheritable(True)
    return sock


def page_url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    if ipaddress.ip_address(host).is_unspecified:  # listening everywhere: this machine's own address works
        host = "127.0.0.1" if ":" not in host else "::1"
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def serve(explorer: Explorer, host: str, port: int, open_browser: bool) -> int:
    """Serve until Ctrl-C (or SIGTERM); the temporary folder is removed however the server stops."""
    plotly_js = check_assets()
    root = Path(tempfile.mkdtemp(prefix="dipsim-explore-"))
    stop = signal.getsignal(signal.SIGTERM)
    try:
        sock = bind(host, port)
        (root / "solara-home").mkdir()
        os.environ.update(solara_environment(root / "solara-home", plotly_js))
        refuse_the_network()
        signal.signal(signal.SIGTERM, _interrupt)  # uvicorn re-raises it after its graceful shutdown
        return _run(explorer, sock, root, open_browser, listening_everywhere=_is_everywhere(sock))
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGTERM, stop)
        shutil.rmtree(root, ignore_errors=True)


def _run(
    explorer: Explorer, sock: socket.socket, root: Path, open_browser: bool, listening_everywhere: bool
) -> int:
    import uvicorn
    from solara.server.starlette import app as solara_app

    # Solara warns on every page load by an address other than "localhost" that it falls back to
    # same-site=lax cookies, which is what a page that is never embedded wants.
    warnings.filterwarnings(
        "ignore", message="Cookies with samesite=none require https", category=UserWarning
    )

    from sim.explore import app

    app.configure(explorer, root)
    config = uvicorn.Config(
        solara_app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2, ws="websockets-sansio"
    )
    server = uvicorn.Server(config)
    url = page_url(sock)

    def announce() -> None:
        while not server.started:
            if server.should_exit:
                return
            time.sleep(0.05)
        print(f"{URL_PREFIX}{url}", flush=True)
        print(f"  each move runs into {root} (removed when the explorer stops); Ctrl-C to stop", flush=True)
        if listening_everywhere:
            print(
                "  listening on every network interface: anyone who can reach this machine can use it",
                flush=True,
            )
        if open_browser:
            webbrowser.open(url)

    threading.Thread(target=announce, name="dipsim-explore-announce", daemon=True).start()
    server.run(sockets=[sock])
    return 0


def _is_everywhere(sock: socket.socket) -> bool:
    return ipaddress.ip_address(sock.getsockname()[0]).is_unspecified


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
