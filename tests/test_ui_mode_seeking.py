"""The mode-seeking demo's logic without a browser: plot edits (plotly relayout events, as the
page sends them when a mode's bar is dragged) reach the target and the fits.

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
    ui.fit_calls = calls
    return ui


def shapes(ui):
    return [(s.x0, s.x1) for s in ui.figure.widget.layout.shapes]


def test_one_bar_per_mode_spanning_its_width(demo):
    assert shapes(demo) == [pytest.approx((-3.2, -1.8)), pytest.approx((1.8, 3.2))]
    assert all(s.editable for s in demo.figure.widget.layout.shapes)


def test_dragging_a_bar_moves_that_mode_and_refits(demo):
    demo.fit_calls.clear()
    demo.figure.widget.plotly_relayout({"shapes[1].x0": 3.0, "shapes[1].x1": 5.0})
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
    demo._draw()
    assert demo.fit_calls == []
    assert (x0, x1) == shapes(demo)[0]


def test_a_dragged_out_bar_is_clamped_and_a_slider_resets_the_edit(demo):
    demo.figure.widget.plotly_relayout({"shapes[0].x0": -500.0, "shapes[0].x1": -500.0})
    c = demo.target.p.components[0]
    assert c.mean == -ms.HANDLE_LIMIT and c.std == ms.HANDLE_MIN_WIDTH
    demo.target_sliders["separation"].value = 6.0
    assert demo.target.title == "Two separated Gaussians"
    assert [c.mean for c in demo.target.p.components] == [-3.0, 3.0]


def test_targets_without_handles_have_no_bars(demo):
    demo.target_name.value = "old_faithful"
    assert demo.figure.widget.layout.shapes == ()
    assert "edit p on the plot" not in demo.target_blurb.value
    demo.target_name.value = "three_modes"
    assert len(shapes(demo)) == 3 and "edit p on the plot" in demo.target_blurb.value
