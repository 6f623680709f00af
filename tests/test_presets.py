"""explorer.presets: every target, family and preset pair builds; one parameter type; data checked.

The registries are the single source of the demos' controls, so each entry is checked here
against its own declared bounds: defaults valid, slider ranges inside the bounds, the builder
accepting every slider extreme, and the data behind a data-backed entry passing its checksum.
"""

from __future__ import annotations

import dataclasses
import doctest
import hashlib
import importlib
import math
import pkgutil
import shutil

import numpy as np
import pytest

import explorer.presets as presets_pkg
from explorer import data, presets
from explorer.distributions import Distribution, Empirical
from explorer.params import Param, ParamSet


def _check_param(p: Param) -> None:
    assert isinstance(p, Param)
    assert p.check(p.default) == p.default, p.name
    lo, hi = p.slider_range()
    assert lo < hi and lo <= p.default <= hi, p.name
    p.check(lo), p.check(hi)  # the slider never offers an invalid value
    assert p.slider_step() > 0 and p.title


# =============================================================================================
# Targets of the mode-seeking demo
# =============================================================================================
@pytest.mark.parametrize("name", list(presets.TARGETS))
def test_target_params_are_params_with_valid_defaults_and_sliders(name):
    spec = presets.TARGETS[name]
    assert isinstance(spec.params, ParamSet) and spec.params
    for p in spec.params:
        _check_param(p)
    assert spec.name == name and spec.title and spec.description


@pytest.mark.parametrize("name", list(presets.TARGETS))
def test_target_builds_at_every_slider_extreme(name):
    spec = presets.TARGETS[name]
    for p in spec.params:
        for v in p.slider_range():
            t = presets.make(name, **{p.name: v})
            assert isinstance(t.p, Distribution) and t.p.dim == spec.dim
            x = t.p.sample(20, rng=0)
            assert np.all(np.isfinite(t.p.logpdf(x)))


def test_make_validates_against_the_params():
    with pytest.raises(ValueError, match=r"unknown parameter\(s\) \['width'\] .*valid: separation, std"):
        presets.make("two_gaussians", width=1.0)
    with pytest.raises(ValueError, match=r"parameter 'std' must be > 0, got -1\.0"):
        presets.make("two_gaussians", std=-1.0)
    with pytest.raises(ValueError, match="parameter 'weight' must be < 1"):
        presets.make("two_gaussians", weight=1.0)
    with pytest.raises(ValueError, match="parameter 'n_modes' must be an integer"):
        presets.make("ring", n_modes=3.5)
    with pytest.raises(ValueError, match="unknown target 'moon'; choose one of: two_gaussians"):
        presets.make("moon")
    assert len(presets.make("ring", n_modes=5.0).p.components) == 5


# =============================================================================================
# Families and preset pairs of the calculator
# =============================================================================================
SCENES = [presets.scene_for()] + [presets.scene_for(f) for f in presets.FAMILIES.values() if f.source]


@pytest.mark.parametrize("name", list(presets.FAMILIES))
def test_family_builds_with_defaults_in_every_scene(name):
    fam = presets.FAMILIES[name]
    assert isinstance(fam.params, ParamSet)
    for p in fam.params:
        _check_param(p)
    for scene in SCENES:
        values = presets.default_values(fam, scene)
        scaled = presets.params_in(fam, scene)
        assert list(values) == scaled.names() == fam.params.names()
        for p in scaled:
            _check_param(p)
            assert p.default == pytest.approx(values[p.name], rel=1e-12, abs=1e-12)
        d = fam.build(values)
        assert isinstance(d, Distribution) and d.dim == 1
        lo, hi = scene.lo, scene.hi
        assert np.all(~np.isnan(d.logpdf(np.linspace(lo, hi, 101))))


def test_scene_maps_positions_and_widths():
    scene = presets.scene_for(presets.FAMILIES["Data: Old Faithful eruptions (min)"])
    x = presets.source_samples("old_faithful_eruptions")
    pad = 0.35 * (x.max() - x.min())
    assert (scene.lo, scene.hi) == (x.min() - pad, x.max() + pad)
    mean, std = presets.FAMILIES["Gaussian"].params
    np.testing.assert_allclose(scene.slider_range(mean)[:2], (scene.lo, scene.hi), rtol=1e-14)
    np.testing.assert_allclose(scene.from_standard(mean, 8.0), scene.hi, rtol=1e-14)
    np.testing.assert_allclose(scene.from_standard(std, 1.0), (scene.hi - scene.lo) / 16, rtol=1e-14)
    df = presets.FAMILIES["Student t"].params["df"]
    assert scene.from_standard(df, 3.0) == 3.0 and scene.param(df) == df  # dimensionless: unchanged
    # a data family's bandwidth slider spans h/8 .. 4h around the Silverman bandwidth h
    fam = presets.FAMILIES["Data: Old Faithful eruptions (min)"]
    h = Empirical(x).bandwidth_
    (bw,) = presets.params_in(fam, scene)
    np.testing.assert_allclose((bw.default, *bw.slider_range()), (h, h / 8, 4 * h), rtol=1e-14)
    assert bw.log


@pytest.mark.parametrize("name", list(presets.PRESETS))
def test_preset_pairs_name_families_and_their_params(name):
    pair = presets.PRESETS[name]
    pf, pv, qf, qv = pair  # tuple-compatible: the page unpacks it
    assert (pf, qf) == (pair.p, pair.q)
    scene = presets.scene_for(presets.FAMILIES[pf], presets.FAMILIES[qf])
    for fam_name, given in ((pf, pv), (qf, qv)):
        fam = presets.FAMILIES[fam_name]
        assert set(given) <= set(fam.params.names()), (name, fam_name)
        values = presets.default_values(fam, scene, given)
        for p in presets.params_in(fam, scene):
            lo, hi = p.slider_range()
            assert lo <= values[p.name] <= hi, (name, p.name)
        assert isinstance(fam.build(values), Distribution)


# =============================================================================================
# Data-backed entries: defined once, loaded through explorer.data (checksummed)
# =============================================================================================
def test_every_data_backed_entry_names_a_source_and_sources_are_not_duplicated():
    used = {f.source for f in presets.FAMILIES.values() if f.source}
    used |= {t.source for t in presets.TARGETS.values() if t.source}
    assert used <= set(presets.DATA_SOURCES)
    keys = [(s.dataset, s.columns, s.standardise) for s in presets.DATA_SOURCES.values()]
    assert len(keys) == len(set(keys))
    for name in ("old_faithful", "penguins_2d"):
        spec = presets.TARGETS[name]
        t = presets.make(name)
        np.testing.assert_array_equal(t.samples, presets.source_samples(spec.source))
        assert t.p.name == presets.DATA_SOURCES[spec.source].label


@pytest.mark.parametrize("key", list(presets.DATA_SOURCES))
def test_data_sources_load_with_their_checksum(key):
    src = presets.DATA_SOURCES[key]
    ds = data.DATASETS[src.dataset]
    assert hashlib.sha256((data.data_dir() / ds.filename).read_bytes()).hexdigest() == ds.sha256
    x = presets.source_samples(key)
    n = {"old_faithful": 272, "penguins": 342}[src.dataset]
    assert x.shape == ((n,) if src.dim == 1 else (n, src.dim)) and np.all(np.isfinite(x))
    assert not x.flags.writeable
    if src.standardise:
        np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-12)
        np.testing.assert_allclose(x.std(axis=0), 1.0, rtol=1e-12)
    d = presets.source_distribution(key)
    assert d is presets.source_distribution(key) and d.dim == src.dim and d.name == src.label
    assert presets.source_distribution(key, bandwidth=0.5).bandwidth_ == 0.5


def test_tampered_data_file_is_refused(tmp_path, monkeypatch):
    for ds in data.DATASETS.values():
        shutil.copy(data.data_dir() / ds.filename, tmp_path / ds.filename)
    path = tmp_path / "old_faithful.csv"
    path.write_bytes(path.read_bytes() + b"\n")
    caches = (data._load_checked, presets.source_samples)
    for c in caches:
        c.cache_clear()
    monkeypatch.setattr(data, "data_dir", lambda: tmp_path)
    try:
        with pytest.raises(OSError, match=r"old_faithful\.csv failed its checksum"):
            presets.source_samples("old_faithful_eruptions")
        with pytest.raises(OSError, match="failed its checksum"):
            presets.make("old_faithful", bandwidth=0.3)
    finally:
        for c in caches:
            c.cache_clear()


def test_unknown_source_lists_the_choices():
    with pytest.raises(ValueError, match="unknown data source 'iris'; choose one of: old_faithful_eruptions"):
        presets.source_samples("iris")


# =============================================================================================
# One parameter type; doctests
# =============================================================================================
def test_no_other_parameter_dataclass_in_presets():
    for m in pkgutil.iter_modules(presets_pkg.__path__):
        module = importlib.import_module(f"explorer.presets.{m.name}")
        for obj in vars(module).values():
            if dataclasses.is_dataclass(obj) and isinstance(obj, type) and obj.__module__ == module.__name__:
                names = {f.name for f in dataclasses.fields(obj)}
                assert not {"default", "low", "high"} <= names, f"{obj.__name__} looks like a second Param"
    assert not math.isnan(presets.FAMILIES["Gaussian"].params["std"].low)


@pytest.mark.parametrize("name", ["", *(m.name for m in pkgutil.iter_modules(presets_pkg.__path__))])
def test_presets_doctests(name):
    module = importlib.import_module("explorer.presets" + (f".{name}" if name else ""))
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
