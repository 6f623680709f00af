"""The one parameter type: validation, ranges, scaling with the data's length unit."""

import math

import pytest

from explorer.params import Param, ParamSet, resolve


def test_check_accepts_values_in_range_and_names_the_parameter_otherwise():
    p = Param("alpha", 0.5, low=-2, high=3)
    assert p.check(1) == 1.0
    assert p.check("2.5") == 2.5
    for bad in (math.inf, -math.inf, math.nan, 3.5, -2.1, "x", None, True):
        with pytest.raises(ValueError, match="'alpha'"):
            p.check(bad)


def test_open_bounds_and_integers():
    width = Param("bandwidth", 1.0, low=0.0, low_open=True)
    with pytest.raises(ValueError, match="> 0"):
        width.check(0.0)
    assert width.check(1e-300) == 1e-300
    k = Param("k", 5, low=1, high=100, integer=True)
    assert k.check(7.0) == 7 and isinstance(k.check(7.0), int)
    with pytest.raises(ValueError, match="integer"):
        k.check(2.5)


def test_describe_range():
    assert Param("a", 0, low=0, high=1).describe_range() == "in [0, 1]"
    assert Param("a", 1, low=0, low_open=True).describe_range() == "> 0"
    assert Param("a", 0).describe_range() == "any real number"


def test_scaled_moves_lengths_and_locations_but_not_dimensionless_or_zero_bounds():
    width = Param("std", 0.7, low=0.0, low_open=True, unit=1, slider=(0.1, 2.0))
    w2 = width.scaled(10.0)
    assert (w2.default, w2.low, w2.slider) == (7.0, 0.0, (1.0, 20.0))
    loc = Param("mean", 0.0, unit=1, location=True, slider=(-8.0, 8.0))
    l2 = loc.scaled(0.5, centre=100.0)
    assert l2.default == 100.0 and l2.slider == (96.0, 104.0)
    eps = Param("epsilon", 0.5, low=0, low_open=True, unit=2)
    assert eps.scaled(3.0).default == pytest.approx(4.5)
    alpha = Param("alpha", 0.5)
    assert alpha.scaled(100.0) is alpha


def test_slider_range_and_step():
    assert Param("w", 0.5, low=0, high=1).slider_range() == (0, 1)
    assert Param("w", 0.5, low=0, high=1).slider_step() == pytest.approx(0.005)
    assert Param("k", 5, low=1, high=9, integer=True).slider_step() == 1.0
    with pytest.raises(ValueError, match="no finite range"):
        Param("alpha", 0.5).slider_range()
    with pytest.raises(ValueError, match="log slider"):
        Param("h", 1.0, log=True, slider=(0.0, 1.0))


def test_paramset_lookup_and_resolve():
    ps = ParamSet([Param("a", 1.0, low=0), Param("b", 2.0)])
    assert ps["b"].default == 2.0 and ps[0].name == "a"
    assert ps.resolve({"b": 3}) == {"a": 1.0, "b": 3.0}
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['c'\] for 'thing'; valid: a, b"):
        resolve(ps, {"c": 1}, owner="thing")
    with pytest.raises(ValueError, match="duplicate"):
        ParamSet([Param("a", 1.0), Param("a", 2.0)])
