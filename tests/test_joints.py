"""The joint-distribution presets of the IB page (explorer.presets.joints), against independent truth."""

from __future__ import annotations

import math

import numpy as np
import pytest

from explorer.presets.joints import JOINTS, make_joint


@pytest.mark.parametrize("name", list(JOINTS))
def test_every_preset_is_a_valid_joint_with_a_display_order(name):
    s = make_joint(name)
    pmf = s.joint.pmf
    np.testing.assert_allclose(pmf.sum(), 1.0, atol=1e-12)
    assert (pmf >= 0).all() and (pmf.sum(1) > 0).all()
    assert sorted(s.x_order) == list(range(pmf.shape[0]))
    assert s.note


def test_discretised_gaussian_mi_is_close_to_the_continuous_value():
    for rho in (0.3, 0.8):
        s = make_joint("gaussian", rho=rho)
        assert s.joint.mutual_information() == pytest.approx(-0.5 * math.log(1 - rho**2), rel=0.03)
        np.testing.assert_allclose(s.gaussian[1], [[rho]])


def test_szt_preset_has_the_requested_mutual_information_in_bits():
    s = make_joint("szt", bits=0.5)
    assert s.joint.mutual_information(base=2) == pytest.approx(0.5, abs=1e-6)
    assert s.joint.shape == (4096, 2)


def test_hierarchy_has_eight_distinct_conditionals_and_noise_removes_them():
    cond = make_joint("hierarchy").joint.conditional_y_given_x.probs
    assert np.unique(np.round(cond, 9), axis=0).shape[0] == 8
    flat = make_joint("hierarchy", noise=0.95).joint
    assert flat.mutual_information() < make_joint("hierarchy").joint.mutual_information() / 100


def test_penguins_counts_every_measured_penguin():
    from explorer import data

    t = data.load("penguins")
    n = int(np.sum(~(np.isnan(t["bill_length_mm"]) | np.isnan(t["flipper_length_mm"]))))
    s = make_joint("penguins", bins=4)
    np.testing.assert_allclose(s.joint.pmf * n, np.round(s.joint.pmf * n), atol=1e-9)  # counts / n
    assert s.joint.marginal_y.labels == ["Adelie", "Chinstrap", "Gentoo"]


def test_bad_values_name_the_parameter_and_unknown_names_list_the_choices():
    with pytest.raises(ValueError, match="'rho'"):
        make_joint("gaussian", rho=1.5)
    with pytest.raises(ValueError, match="'bins'"):
        make_joint("penguins", bins=2.5)
    with pytest.raises(ValueError, match="choose one of: szt, hierarchy"):
        make_joint("nope")
