"""Jupyter server settings for Binder, where Voila runs as a server extension.

postBuild links this file to ~/.jupyter/jupyter_server_config.py. In server-extension mode Voila
applies only the ``VoilaConfiguration`` part of ./voila.json; the execution timeout, the
visitor-facing error text (``VoilaExecutor``) and kernel culling (``MappingKernelManager``) must
reach the *server's* config. This file copies those sections from the repository's voila.json, so
that one file stays the single source of the settings. Preheated kernels (``VoilaKernelManager``)
exist only in the standalone app and are ignored here.
"""

import json
from pathlib import Path

c = get_config()  # noqa: F821 -- provided by traitlets when it loads this file

_REPO = Path(__file__).resolve().parent.parent
_SECTIONS = ("VoilaConfiguration", "VoilaExecutor", "MappingKernelManager")

_voila = json.loads((_REPO / "voila.json").read_text(encoding="utf-8"))
for _section in _SECTIONS:
    for _key, _value in _voila.get(_section, {}).items():
        setattr(getattr(c, _section), _key, _value)

# One websocket message may carry a whole uploaded file (the KDE page's "Your data"): Tornado's
# default limit of 10 MiB would drop the connection silently; voila.json raises it above the
# upload cap (explorer.userdata.MAX_BYTES), here for the Jupyter server as well.
c.ServerApp.tornado_settings = {**_voila.get("Voila", {}).get("tornado_settings", {})}

# Opening the server's root lands on the app (the Binder link also says so with urlpath=).
c.ServerApp.default_url = "/voila/render/notebooks/00_index.ipynb"

# JupyterHub / BinderHub with jupyter-server-proxy installed (optional, see docs/deploy.md): the
# full standalone app -- preheated kernels, the kernel cap, culling -- at <server>/explorer/,
# started on the first visit and stopped with the server. Without jupyter-server-proxy this
# block does nothing and /voila/render/... (server-extension mode) remains the route.
try:
    import jupyter_server_proxy  # noqa: F401
except ImportError:
    pass
else:
    c.ServerProxy.servers = {
        "explorer": {
            "command": [
                "explorer-app", "--host=127.0.0.1", "--port={port}", "--max-kernels=4",
                "--Voila.base_url={base_url}explorer/", "--Voila.server_url=/",
            ],
            "timeout": 120,
            "absolute_url": False,
            "launcher_entry": {"title": "Divergence Explorer"},
        }
    }
