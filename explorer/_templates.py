"""Compile Voila's page templates once per server, not once per page render.

nbconvert builds a new Jinja ``Environment`` for every exporter, and Voila makes a new exporter for
every notebook it renders: each visitor's page and each preheated kernel refill.  A new environment
has an empty template cache, so Jinja parsed and compiled the whole template chain (Voila's lab
template and the nbconvert templates it extends) again every time, in the server's event loop.
py-spy on the server during ``benchmarks/load.py`` (8 s while a class arrived and two or three
refills ran): 96 of 337 samples, ≈ 0.5 s, in Jinja's template loading; while it ran no visitor's
websocket message was relayed (a 267 ms stall right when the class's first slider moves came).

:class:`SharedBytecodeCache` is Jinja's documented hook for this (a ``BytecodeCache`` keeps the
compiled code of a template keyed by its name and file, and checks it against the source's
checksum), kept in memory for the server's lifetime; :func:`share_compiled_templates` gives it to
every environment nbconvert creates.  Only ``explorer.app`` calls it (a server-side import of
nbconvert and Jinja).
"""

from __future__ import annotations

import functools
import threading

from jinja2 import BytecodeCache, Environment
from jinja2.bccache import Bucket

#: The environment settings that change the code Jinja generates from the same source: a template
#: compiled for one combination is never handed to an environment with another.
_CODEGEN_SETTINGS = (
    "is_async", "optimized", "block_start_string", "block_end_string", "variable_start_string",
    "variable_end_string", "comment_start_string", "comment_end_string", "line_statement_prefix",
    "line_comment_prefix", "trim_blocks", "lstrip_blocks", "newline_sequence",
    "keep_trailing_newline",
)


def codegen_fingerprint(environment: Environment) -> str:
    """What, besides a template's source, decides the code Jinja compiles it to in ``environment``:
    the syntax and async settings, the extensions, and ``autoescape`` when it is a constant (a
    callable autoescape is evaluated per template at run time)."""
    settings = [repr(getattr(environment, name, None)) for name in _CODEGEN_SETTINGS]
    autoescape = environment.autoescape
    settings.append("autoescape=" + ("callable" if callable(autoescape) else repr(autoescape)))
    settings.append("extensions=" + ",".join(sorted(environment.extensions)))
    return "|".join(settings)


class SharedBytecodeCache(BytecodeCache):
    """Compiled templates in memory, shared by every Jinja environment it is given to.

    Jinja asks the cache for a template's bucket (keyed here by the template's name and file plus
    :func:`codegen_fingerprint` of the asking environment), and the bucket discards the code if
    the source's checksum changed — so an edited template is recompiled, and environments that
    compile differently never share code.  Thread-safe; ``hits`` and ``misses`` count lookups.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_bucket(self, environment: Environment, name: str, filename: str | None,
                   source: str) -> Bucket:
        key = self.get_cache_key(name, filename) + "/" + codegen_fingerprint(environment)
        bucket = Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        if bucket.code is None:
            self.misses += 1
        else:
            self.hits += 1
        return bucket

    def load_bytecode(self, bucket: Bucket) -> None:
        with self._lock:
            data = self._code.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)  # resets the bucket if the checksum differs

    def dump_bytecode(self, bucket: Bucket) -> None:
        data = bucket.bytecode_to_string()
        with self._lock:
            self._code[bucket.key] = data

    def clear(self) -> None:
        with self._lock:
            self._code.clear()

    def __len__(self) -> int:
        return len(self._code)


#: The server's cache (one per process).
CACHE = SharedBytecodeCache()


def share_compiled_templates(cache: SharedBytecodeCache = CACHE) -> bool:
    """Give ``cache`` to every Jinja environment nbconvert's exporters create from now on (Voila's
    page renders included). Idempotent; returns whether it was installed by this call."""
    from nbconvert.exporters.templateexporter import TemplateExporter

    create = TemplateExporter._create_environment
    if getattr(create, "_dx_shared_cache", None) is not None:
        return False

    @functools.wraps(create)
    def create_environment(self):
        environment = create(self)
        if environment.bytecode_cache is None:
            environment.bytecode_cache = cache
        return environment

    create_environment._dx_shared_cache = cache
    TemplateExporter._create_environment = create_environment
    return True
