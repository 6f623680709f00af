"""The mode-seeking demo's logic without a browser: plot edits (plotly relayout events, as the
page sends them when a mode's bar is dragged) reach the target and the fits; the fits run in the
background (``ui.runner``), so each test waits for them where it reads them.

The browser side (that a drag in Chromium produces such an event) is in tests/e2e/."""

from __future__ import annotations

import pytest

from explorer import fitting
from explorer.ui import mode_seeking as ms


@pytest.fixture
def demo(monkeypatch):
    calls = []
    real = fitting.fit

    def counting_fit(*args, **kwargs):
        calls.append(kwargs.get("divergence"))
        return real(*args, **{**kwargs, "restarts": 2, "steps": 40})

    monkeypatch.setattr(fitting, "fit", counting_fit)
    ui = ms.build("two_gaussians")
    assert ui.runner.wait(120)
    ui.fit_calls = calls
    return ui


def settle(ui):
    assert ui.runner.wait(120), "the fits did not finish"


def shapes(ui):
    return [(s.x0, s.x1) for s in ui.figure.widget.layout.shapes]


def test_one_bar_per_mode_spanning_its_width(demo):
    assert shapes(demo) == [pytest.approx((-3.2, -1.8)), pytest.approx((1.8, 3.2))]
    assert all(s.editable for s in demo.figure.widget.layout.shapes)


def test_dragging_a_bar_moves_that_mode_and_refits(demo):
    demo.fit_calls.clear()
    demo.figure.widget.plotly_relayout({"shapes[1].x0": 3.0, "shapes[1].x1": 5.0})
    assert demo.target.title == "Two separated Gaussians (edited)"  # p changes at once
    assert "Fitting" in demo.status.value and "edited on the plot" in demo.status.value
    settle(demo)
    comps = demo.target.p.components
    assert (comps[0].mean, comps[0].std) == pytest.approx((-2.5, 0.7))
    assert (comps[1].mean, comps[1].std) == pytest.approx((4.0, 1.0))
    assert demo.target.title == "Two separated Gaussians (edited)"
    assert demo.fit_calls == ["kl", "reverse_kl", "js"]  # every chosen divergence refitted
    assert all(r.q is not None for r in demo.results.values())
    assert "edited on the plot" in demo.status.value
    assert shapes(demo)[1] == pytest.approx((3.0, 5.0))  # the redrawn bar sits where it was dropped
    assert demo.errors.value == ""


def test_redraws_and_untouched_bars_do_not_refit(demo):
    demo.fit_calls.clear()
    x0, x1 = shapes(demo)[0]
    demo.figure.widget.plotly_relayout({"shapes[0].y1": 0.2})  # moved vertically only: same mode
    demo.draw()
    settle(demo)
    assert demo.fit_calls == []
    assert (x0, x1) == shapes(demo)[0]


def test_a_dragged_out_bar_is_clamped_and_a_slider_resets_the_edit(demo):
    demo.figure.widget.plotly_relayout({"shapes[0].x0": -500.0, "shapes[0].x1": -500.0})
    c = demo.target.p.components[0]
    assert c.mean == -ms.HANDLE_LIMIT and c.std == ms.HANDLE_MIN_WIDTH
    demo.target_sliders["separation"].value = 6.0
    settle(demo)
    assert demo.target.title == "Two separated Gaussians"
    assert [c.mean for c in demo.target.p.components] == [-3.0, 3.0]


def test_targets_without_handles_have_no_bars(demo):
    widgets = []
    for name in ("old_faithful", "two_moons", "penguins_2d"):
        demo.target_name.value = name
        widgets.append(demo.figure.widget)
        assert demo.figure.widget.layout.shapes == (), name
        assert "edit p on the plot" not in demo.target_blurb.value
    # updated in place while the dimension stays (1-D two modes -> 1-D geyser data; 2-D -> 2-D)
    assert demo.figure.created == 2 and widgets[1] is widgets[2] is not widgets[0]
    demo.target_name.value = "three_modes"
    assert len(shapes(demo)) == 3 and "edit p on the plot" in demo.target_blurb.value
    settle(demo)


def test_ring_modes_are_editable_ellipses(demo):
    demo.target_name.value = "ring"
    settle(demo)
    shp = demo.figure.widget.layout.shapes
    assert len(shp) == 8 and {s.type for s in shp} == {"circle"}
    assert (shp[0].x0, shp[0].x1, shp[0].y0, shp[0].y1) == pytest.approx((3.6, 4.4, -0.4, 0.4))
    demo.fit_calls.clear()
    # mode 1 dragged to (6, 1) and stretched to stds (1.0, 0.5): an axis-aligned Gaussian
    demo.figure.widget.plotly_relayout({"shapes[0].x0": 5.0, "shapes[0].x1": 7.0,
                                        "shapes[0].y0": 0.5, "shapes[0].y1": 1.5})
    settle(demo)
    c = demo.target.p.components[0]
    assert c.mean == pytest.approx([6.0, 1.0])
    assert c.cov.ravel() == pytest.approx([1.0, 0.0, 0.0, 0.25])
    assert demo.target.p.components[1].mean == pytest.approx([4 * 2**-0.5] * 2)  # the others stay
    assert demo.fit_calls == ["kl", "reverse_kl", "js"]
    assert "mode 1 → centre (6.00, 1.00), width (1.00, 0.50)" in demo.status.value


def test_an_edit_updates_the_figure_in_place_and_drops_the_stale_fits(demo):
    """The figure being dragged on is never replaced (plotly.js would hover on a purged plot);
    with auto-refit off, p is redrawn in it and the old fits are gone."""
    demo.auto.value = False
    widget = demo.figure.widget
    p_before = widget.data[0].y
    demo.figure.widget.plotly_relayout({"shapes[0].x0": -6.0, "shapes[0].x1": -4.0})
    assert demo.figure.widget is widget
    assert list(widget.data[0].y) != list(p_before)
    assert not [t.name for t in widget.data if ":" in (t.name or "")]
    assert "(edited)" in widget.layout.title.text
    assert "press <b>Fit</b>" in demo.status.value and not demo.results
    demo.fit_calls.clear()
    demo.fit()
    settle(demo)
    assert demo.fit_calls == ["kl", "reverse_kl", "js"]
    assert len([t for t in widget.data if ":" in (t.name or "")]) == 3


def test_a_newer_target_supersedes_the_running_fit(demo):
    """Slider moves while a fit runs: p follows each move at once, the stale fits never arrive,
    and the last value's fits win."""
    for sep in (4.0, 5.0, 6.0, 7.0):
        demo.target_sliders["separation"].value = sep
        assert [c.mean for c in demo.target.p.components] == [-sep / 2, sep / 2]  # drawn at once
        assert demo.figure.widget.data[0].y is not None
    settle(demo)
    assert [c.mean for c in demo.target.p.components] == [-3.5, 3.5]
    assert set(demo.results) == {"kl", "reverse_kl", "js"}
    again = fitting.fit(demo.target.p, divergence="kl")  # seeded: the same fit of the last p
    assert demo.results["kl"].value == again.value
    assert (demo.results["kl"].q.mean, demo.results["kl"].q.std) == (again.q.mean, again.q.std)
    assert demo.runner.runs <= 1 + 4  # the construction's fit + at most one per move, never queued
    assert demo.errors.value == ""


def test_every_tab_draws_from_the_shared_state(demo):
    from explorer.ui.mode_seeking.tab_playback import PlaybackTab
    from explorer.ui.mode_seeking.tab_weights import WeightsTab

    playback, weights = demo.tab(PlaybackTab), demo.tab(WeightsTab)
    assert playback.figure.widget is None  # not drawn before it is looked at
    demo.tabs.selected_index = demo.tab_list.index(playback)
    assert playback.figure.widget is not None and playback.divergence.value == "kl"
    assert playback.step.value == demo.results["kl"].history.steps
    demo.tabs.selected_index = demo.tab_list.index(weights)
    names = [t.name for t in weights.figure.widget.data]
    assert names[0] == "p (scaled)" and len(names) == 4  # KL, RKL, JS are f-divergences
    assert "q = N(" in weights.figure.widget.layout.title.text
    assert demo.errors.value == ""


def test_landscape_asked_for_before_the_fits_are_in_is_drawn_when_they_arrive(demo):
    """Clicking "Draw the landscapes" while the fits are still running drew an empty figure (and
    said nothing); now the tab says it waits, and draws once the fits are in."""
    from explorer.ui.mode_seeking.tab_landscape import LandscapeTab

    ui = demo
    fits = dict(ui.state.results)
    assert fits
    tab = ui.tab(LandscapeTab)
    ui.tabs.selected_index = ui.tab_list.index(tab)
    ui.state.set_results({})  # as while a refit runs
    tab.compute()
    assert "Waiting for the fits" in tab.notice.value and tab.figure.widget is None
    ui.state.set_results(fits)  # the fits arrive: the tab is shown, so it draws
    settle(ui)
    tab._runner.wait(60)
    assert tab.figure.widget is not None and tab.notice.value == ""
    assert sum(t.type == "heatmap" for t in tab.figure.widget.data) >= 1


def test_table_values_are_computed_once_per_fit_and_target(demo, monkeypatch):
    """Choosing divergences redraws the table; its cross values (a quadrature each) come from the
    state's memo unless the fit or the target changed."""
    from explorer import divergences as dv
    from explorer.ui.mode_seeking.table import table_html

    ui = demo
    first = table_html(ui.state)
    calls = []
    real = dv.compute
    monkeypatch.setattr(dv, "compute", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    assert table_html(ui.state) == first and calls == []
    assert ui.state.derived  # (fit, value) pairs
    ui.state.set_target(ui.state.target)  # a target event (an edit, a slider) forgets them
    assert ui.state.derived == {}
