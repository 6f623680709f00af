"""explorer.presets targets: each builds; the per-mode edits the mode-seeking demo makes on the plot."""

from __future__ import annotations

import numpy as np
import pytest

from explorer import presets
from explorer.distributions import Gaussian, StudentT


@pytest.mark.parametrize("name", list(presets.TARGETS))
def test_every_preset_builds_with_its_defaults_and_dimension(name):
    t = presets.make(name)
    assert t.p.dim == presets.TARGETS[name].dim
    assert t.name == name and t.title


def test_mode_handles_only_for_mixtures_of_single_editable_modes():
    assert presets.mode_handles(presets.make("three_modes", separation=3.0, std=0.4)) == [
        (-3.0, 0.4), (0.0, 0.4), (3.0, 0.4)]
    assert presets.mode_handles(presets.make("heavy_tails", scale=0.9)) == [(-2.5, 0.9), (2.5, 0.9)]
    ring = presets.mode_handles(presets.make("ring", n_modes=4, radius=2.0, std=0.3))
    np.testing.assert_allclose([c for c, _ in ring], [[2, 0], [0, 2], [-2, 0], [0, -2]], atol=1e-12)
    np.testing.assert_allclose([w for _, w in ring], [[0.3, 0.3]] * 4)
    for name in ("two_moons", "old_faithful", "penguins_2d"):  # moons: a mode is 48 components
        assert presets.mode_handles(presets.make(name)) is None, name


def test_edit_modes_in_2d_gives_axis_aligned_gaussians():
    t = presets.edit_modes(presets.make("ring", n_modes=3), [[0, 0], [1, 2], [3, 4]],
                           [[0.5, 0.5], [1.0, 0.2], [0.3, 0.3]])
    assert t.name == "ring_edited"
    np.testing.assert_allclose(t.p.components[1].cov, [[1.0, 0.0], [0.0, 0.04]])
    np.testing.assert_allclose(t.p.components[2].mean, [3, 4])
    assert presets.mode_handles(t)[1] == ((1.0, 2.0), (1.0, 0.2))
    with pytest.raises(ValueError, match="shape"):
        presets.edit_modes(t, [0, 1, 2], [1, 1, 1])


def test_edit_modes_moves_and_rescales_each_mode_keeping_weights_and_shape():
    t = presets.make("heavy_tails", df=3.0)
    e = presets.edit_modes(t, [-1.0, 4.0], [0.5, 2.0])
    assert e.name == "heavy_tails_edited" and e.title.endswith("(edited)")
    assert all(isinstance(c, StudentT) and c.df == 3.0 for c in e.p.components)
    assert presets.mode_handles(e) == [(-1.0, 0.5), (4.0, 2.0)]
    np.testing.assert_array_equal(e.p.weights, t.p.weights)
    # the density is exactly the mixture of the moved components
    x = np.linspace(-6, 9, 31)
    want = 0.5 * StudentT(3.0, -1.0, 0.5).pdf(x) + 0.5 * StudentT(3.0, 4.0, 2.0).pdf(x)
    np.testing.assert_allclose(e.p.pdf(x), want, rtol=1e-12)
    again = presets.edit_modes(e, [0.0, 1.0], [1.0, 1.0])  # editing an edited target
    assert again.title.count("(edited)") == 1 and again.name == "heavy_tails_edited"

    u = presets.edit_modes(presets.make("unequal_weights"), [0.0, 3.0], [1.0, 0.3])
    assert [type(c) for c in u.p.components] == [Gaussian, Gaussian]
    np.testing.assert_allclose(u.p.weights, [0.8, 0.2])


def test_edit_modes_validates():
    t = presets.make("two_gaussians")
    with pytest.raises(ValueError, match="shape"):
        presets.edit_modes(t, [0.0], [1.0])
    with pytest.raises(ValueError, match="width"):
        presets.edit_modes(t, [0.0, 1.0], [1.0, 0.0])
    with pytest.raises(ValueError, match="centre"):
        presets.edit_modes(t, [0.0, np.nan], [1.0, 1.0])
    with pytest.raises(ValueError, match="cannot be edited"):
        presets.edit_modes(presets.make("two_moons"), [0.0], [1.0])
