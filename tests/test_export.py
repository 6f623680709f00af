"""The offline snapshot's pieces that need no browser: link rewriting, the vendored scripts'
versions against the Python packages, and the command line's errors. The snapshot itself is
exported and opened offline in Chromium in ``tests/e2e/test_export.py``."""

from __future__ import annotations

import hashlib
import re

import anywidget
import pytest

from explorer import app
from explorer.export import VENDOR, clean_widget_state, export, rewrite_links

PAGES = ["00_index", "01_divergence_calculator", "02_mode_seeking"]


@pytest.mark.parametrize(("before", "after"), [
    ("<a href='01_divergence_calculator.ipynb'>", "<a href='01_divergence_calculator.html'>"),
    ("<a href='02_mode_seeking.ipynb?target=ring&amp;tab=alpha'>", "<a href='02_mode_seeking.html'>"),
    ('{"v": "<a href=\\"02_mode_seeking.ipynb?x=1\\">"}', '{"v": "<a href=\\"02_mode_seeking.html\\">"}'),
    ("see notebooks/01_divergence_calculator.ipynb", "see notebooks/01_divergence_calculator.ipynb"),
    ("<a href='03_kde.ipynb'>", "<a href='03_kde.ipynb'>"),  # not exported: left alone
    ("x01_divergence_calculator.ipynb", "x01_divergence_calculator.ipynb"),
])
def test_links_point_at_exported_pages(before, after):
    assert rewrite_links(before, PAGES) == after


def test_vendored_anywidget_matches_the_python_package():
    """The front-end module must be the version the Python side's models ask for."""
    wanted = anywidget.AnyWidget._model_module_version.default_value  # e.g. "~0.11.*"
    major_minor = re.match(r"~?(\d+\.\d+)", wanted).group(1)
    js = (VENDOR / "anywidget" / "index.js").read_text(encoding="utf-8")
    shipped = re.search(r'"(\d+\.\d+\.\d+)"', js).group(1)
    assert shipped.startswith(major_minor + "."), (shipped, wanted)
    assert anywidget.__version__ == shipped


def test_vendored_files_match_their_recorded_checksums():
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    for name in ("require.js", "embed-amd.js", "anywidget/index.js"):
        digest = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        assert digest in readme, f"{name}: sha256 {digest} not recorded in {VENDOR / 'README.md'}"
    assert list((VENDOR / "fonts").glob("*.woff2")), "Font Awesome's woff2 fonts are missing"


def test_export_refuses_unknown_pages_before_running_anything(tmp_path):
    with pytest.raises(ValueError, match="no notebook named 99_nope"):
        export(tmp_path / "out", app.find_notebooks_dir(), pages=["99_nope"])
    with pytest.raises(ValueError, match="timeout"):
        export(tmp_path / "out", app.find_notebooks_dir(), timeout=0)
    assert not (tmp_path / "out").exists()


def test_cli_export_error_is_one_line_and_exit_1(tmp_path, capsys):
    assert app.main(["--export", str(tmp_path / "o"), "--pages", "nope"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("explorer-app: error: parameter 'pages': no notebook named nope")


def test_clean_widget_state_drops_buffers_into_emptied_messages():
    state = {"state": {
        "a": {"state": {"_widget_data": [{"x": {}}], "_py2js_update": None, "_js2py_restyle": {"k": 1}},
              "buffers": [{"path": ["_widget_data", 0, "x", "buffer"], "encoding": "base64", "data": ""},
                          {"path": ["_py2js_update", "style_data", "x", 0, "buffer"], "encoding": "base64",
                           "data": ""}]},
        "b": {"state": {"value": 1}},
    }}
    assert clean_widget_state(state) == 1
    a = state["state"]["a"]
    assert [b["path"][0] for b in a["buffers"]] == ["_widget_data"]
    assert a["state"]["_js2py_restyle"] is None and a["state"]["_widget_data"] == [{"x": {}}]
    assert state["state"]["b"] == {"state": {"value": 1}}


def test_a_figure_in_an_output_becomes_a_figure_widget_with_its_traces():
    import ipywidgets as W
    import plotly.graph_objects as go

    from explorer.ui.distill.figure_out import OutputFigure
    from explorer.ui.snapshot import figures_out_of_outputs

    out = OutputFigure("dx-test-figure")
    out.show(go.Figure([go.Scatter(x=[0, 1], y=[2, 3], name="a"), go.Bar(x=[1], y=[4], name="b")]))
    page = W.VBox([W.HTML("title"), W.VBox([out.box])])
    assert figures_out_of_outputs(page) == 1
    inner = page.children[1].children[0]
    figure = inner.children[0]
    assert isinstance(figure, go.FigureWidget) and "dx-test-figure" in figure._dom_classes
    assert [t.name for t in figure.data] == ["a", "b"] and list(figure.data[0].y) == [2, 3]
    assert figures_out_of_outputs(page) == 0  # nothing left to convert
