"""Links that open a view (explorer.ui.widgets.links): every control of every page round-trips
through the query string, and a malformed query leaves the defaults with a note for each part."""

from __future__ import annotations

from urllib.parse import parse_qs

import ipywidgets as W
import pytest

from explorer.ui.widgets import Controls, ViewLink
from explorer.ui.widgets.links import _is_selection, _numeric_range, apply_query, view_query

PAGES = ["calculator", "mode_seeking", "kde", "information", "distill"]


@pytest.fixture(autouse=True)
def _stop_background_work():
    """The pages here compute in the background; stop them so later tests get the CPU."""
    yield
    from explorer.ui.widgets import tasks

    runners = list(tasks._RUNNERS)
    for runner in runners:
        runner.cancel()
    for runner in runners:
        runner.wait(60)


def _build(page: str):
    import importlib

    module = importlib.import_module(f"explorer.ui.{page}")
    return module.build() if page == "calculator" else module.build(background=True)


def _tabs(lab) -> W.Tab | None:
    return getattr(lab, "tabs", None)


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES)
def test_a_link_round_trips_every_control(page, random_view):
    lab = _build(page)
    tabs = _tabs(lab)
    changed = random_view(lab, f"links-{page}")
    assert len(changed) >= 0.6 * len(lab.controls), f"only {sorted(changed)} of {lab.controls.names()}"
    query = lab.link.button.query
    assert query == view_query(lab.controls, tabs, lab.link.baseline, lab.link.touched)
    expected = lab.controls.values()

    fresh = _build(page)
    notes = fresh.link.apply(query)
    assert notes == [], notes
    got = fresh.controls.values()
    assert got.keys() == expected.keys()
    for name, value in expected.items():
        if isinstance(value, float):
            assert got[name] == pytest.approx(value, rel=1e-12), name
        else:
            assert got[name] == value, name
    again = _build(page)  # the fresh page's own link opens the same view too
    assert again.link.apply(fresh.link.button.query) == []
    assert again.controls.values() == got
    if tabs is not None:
        assert _tabs(fresh).selected_index == tabs.selected_index


@pytest.mark.slow
def test_a_malformed_link_keeps_the_defaults_and_says_why():
    lab = _build("calculator")
    before = lab.controls.values()
    number = next(n for n, w in lab.controls.items() if isinstance(w.value, float) and _numeric_range(w))
    choice = next(n for n, w in lab.controls.items() if _is_selection(w))
    lo, hi = _numeric_range(lab.controls[number])
    query = (f"{number}=abc&{choice}=no-such-choice&nonsense=1&tab=nope&{number}=nan"
             f"&units=1&units=2&%ZZ&theme=dark")
    notes = lab.link.apply(query)
    assert lab.controls.values() == before
    text = " | ".join(notes)
    assert f"“{number}=abc, nan” is given more than once" in text or f"“{number}=abc" in text
    assert "is not one of the choices" in text
    assert "“nonsense” is not a control of this page" in text
    assert "tab “nope” does not exist here" in text
    assert "theme" not in text  # Voila's own arguments are not ours to judge
    assert "Parts of this link were not used" in lab.link.note.value
    # out of range, and infinite
    for bad in (hi + abs(hi - lo) + 1, "inf"):
        notes = lab.link.apply(f"{number}={bad}")
        assert lab.controls[number].value == before[number]
        assert notes and ("is outside" in notes[0] or "not a finite number" in notes[0])
    # a good link afterwards clears the note
    good = (lo + hi) / 2
    assert lab.link.apply(f"{number}={good!r}") == []
    assert lab.controls[number].value == pytest.approx(good)
    assert lab.link.note.value == ""


def test_the_query_follows_every_change_even_muted_ones_and_the_tab():
    controls = Controls()
    units = controls.add("units", W.ToggleButtons(options=["nats", "bits"]))
    alpha = controls.add("alpha", W.FloatSlider(value=0.5, min=0, max=1))
    options = [("Forward KL", "kl"), ("Reverse KL", "reverse_kl")]
    chosen = controls.add("divs", W.SelectMultiple(options=options, value=("kl",)))
    tabs = W.Tab(children=[W.HTML(), W.HTML()], titles=("Bandwidth", "High-d regimes"))
    link = ViewLink(controls, tabs)
    assert link.button.query == ""
    units.value = "bits"
    with controls.muted():
        alpha.value = 0.25
    chosen.value = ()
    tabs.selected_index = 1
    query = link.button.query
    assert parse_qs(query, keep_blank_values=True) == {
        "tab": ["high-d-regimes"], "units": ["bits"], "alpha": ["0.25"], "divs": [""]}
    # and back, on fresh widgets
    controls2 = Controls()
    controls2.add("units", W.ToggleButtons(options=["nats", "bits"]))
    controls2.add("alpha", W.FloatSlider(value=0.5, min=0, max=1))
    controls2.add("divs", W.SelectMultiple(options=[("Forward KL", "kl"), ("Reverse KL", "reverse_kl")],
                                           value=("kl",)))
    tabs2 = W.Tab(children=[W.HTML(), W.HTML()], titles=("Bandwidth", "High-d regimes"))
    assert apply_query(controls2, query, tabs2) == []
    assert controls2.values() == {"units": "bits", "alpha": 0.25, "divs": ()}
    assert tabs2.selected_index == 1


def test_object_options_travel_by_label():
    class Preset:
        def __init__(self, name):
            self.name = name

    a, b = Preset("a"), Preset("b")
    controls = Controls()
    controls.add("preset", W.Dropdown(options=[("Two peaks", a), ("Long tail", b)], value=a))
    link = ViewLink(controls)
    controls["preset"].value = b
    assert link.button.query == "preset=Long+tail"
    controls["preset"].value = a
    assert apply_query(controls, "preset=Long+tail") == [] and controls["preset"].value is b


def test_a_sliders_rounding_echo_does_not_enter_the_link():
    controls = Controls()
    std = controls.add("p.std", W.FloatSlider(value=0.7, min=0.05, max=4, step=0.05))
    link = ViewLink(controls)
    std.value = 0.05 + 13 * 0.05  # what the browser sends back: 0.7000000000000001
    assert std.value != 0.7 and link.button.query == ""
    std.value = 0.75
    assert link.button.query == "p.std=0.75"
