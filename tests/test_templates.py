"""The server's shared cache of compiled Jinja templates (explorer/_templates.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment

from explorer._templates import SharedBytecodeCache, codegen_fingerprint, share_compiled_templates

REPO_ROOT = Path(__file__).resolve().parents[1]
PAGE = "{% extends 'base' %}{% block body %}{% for x in xs %}[{{ x | upper }}]{% endfor %}{% endblock %}"
BASE = "<html>{% block body %}{% endblock %}</html>"


def env_with(cache, sources: dict[str, str], **options) -> Environment:
    return Environment(loader=DictLoader(sources), bytecode_cache=cache, **options)


def test_a_second_environment_reuses_the_compiled_templates_and_renders_the_same():
    cache = SharedBytecodeCache()
    sources = {"page": PAGE, "base": BASE}
    first = env_with(cache, sources).get_template("page").render(xs=["a", "b"])
    assert (cache.hits, cache.misses) == (0, 2)  # the page and the template it extends
    second = env_with(cache, sources).get_template("page").render(xs=["a", "b"])
    assert second == first == "<html>[A][B]</html>"
    assert (cache.hits, cache.misses) == (2, 2)
    assert len(cache) == 2


def test_an_edited_template_is_compiled_again_not_served_stale():
    cache = SharedBytecodeCache()
    assert env_with(cache, {"t": "v1 {{ x }}"}).get_template("t").render(x=1) == "v1 1"
    assert env_with(cache, {"t": "v2 {{ x }}"}).get_template("t").render(x=1) == "v2 1"
    assert cache.hits == 0 and cache.misses == 2


@pytest.mark.parametrize("options", [
    {"enable_async": True},
    {"trim_blocks": True},
    {"extensions": ["jinja2.ext.do"]},
    {"autoescape": True},
    {"variable_start_string": "[[", "variable_end_string": "]]"},
])
def test_environments_that_compile_differently_never_share_code(options):
    cache = SharedBytecodeCache()
    source = {"t": "{% if x %}\n<{{ x }}>[[ x ]]{% endif %}\n"}
    plain = env_with(cache, source)
    other = env_with(cache, source, **options)
    assert codegen_fingerprint(plain) != codegen_fingerprint(other)
    expected_other = Environment(loader=DictLoader(source), **options).get_template("t")
    plain.get_template("t").render(x="<b>")
    template = other.get_template("t")
    assert cache.hits == 0  # compiled afresh for the other settings
    if options.get("enable_async"):
        import asyncio
        assert asyncio.run(template.render_async(x="<b>")) == asyncio.run(
            expected_other.render_async(x="<b>"))
    else:
        assert template.render(x="<b>") == expected_other.render(x="<b>")


def test_voila_exporters_created_after_the_install_share_one_cache(monkeypatch):
    from nbconvert.exporters.templateexporter import TemplateExporter
    from voila.exporter import VoilaExporter
    from voila.paths import collect_template_paths

    monkeypatch.setattr(TemplateExporter, "_create_environment", TemplateExporter._create_environment)
    cache = SharedBytecodeCache()
    assert share_compiled_templates(cache) is True
    assert share_compiled_templates(cache) is False  # idempotent: wrapped once
    paths = collect_template_paths(["voila", "nbconvert"], "lab")

    def template():
        exporter = VoilaExporter(template_paths=paths, template_name="lab", base_url="/")
        assert exporter.environment.bytecode_cache is cache
        return exporter.template

    first = template()
    misses = cache.misses
    assert misses >= 1 and cache.hits == 0
    second = template()
    assert cache.misses == misses and cache.hits >= 1  # the second page render compiles nothing
    assert first.environment is not second.environment  # really two exporters' environments


def test_the_app_installs_the_cache_for_its_page_renders(tmp_path):
    """explorer-app's server installs it when it sets up (Voila makes an exporter per page render);
    in a subprocess, so that the patched nbconvert class does not leak into other tests."""
    code = (
        "from explorer import app, _templates; "
        "from nbconvert.exporters.templateexporter import TemplateExporter as T; "
        "a = app.make_app_class()(); "
        f"a.initialize([{str(REPO_ROOT / 'notebooks')!r}]); "
        "before = getattr(T._create_environment, '_dx_shared_cache', None); "
        "a.init_settings(); "
        "print(before is None, T._create_environment._dx_shared_cache is _templates.CACHE)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == ["True", "True"]
