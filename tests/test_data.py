"""The shipped data sets: checksums enforced, contents equal to the published summaries."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from explorer import data
from explorer.distributions import Empirical

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def fresh_cache():
    """Clear the loader's cache before and after a test that swaps the data folder."""
    data._load_checked.cache_clear()
    yield
    data._load_checked.cache_clear()


def test_recorded_checksums_match_the_files_and_the_readme():
    readme = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    for ds in data.DATASETS.values():
        raw = (data.data_dir() / ds.filename).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == ds.sha256, ds.name
        assert re.search(rf"`{re.escape(ds.filename)}` \| \d+ \| `{ds.sha256}`", readme), ds.name


@pytest.mark.parametrize("name", list(data.DATASETS))
@pytest.mark.parametrize("tamper", ["edit", "truncate", "append"])
def test_tampered_copy_raises_oserror(tmp_path, monkeypatch, fresh_cache, name, tamper):
    ds = data.DATASETS[name]
    for other in data.DATASETS.values():
        shutil.copy(data.data_dir() / other.filename, tmp_path / other.filename)
    target = tmp_path / ds.filename
    raw = target.read_bytes()
    if tamper == "edit":  # change one digit of one value
        i = raw.index(b"\n") + 1 + raw[raw.index(b"\n") + 1 :].index(b".") + 1
        raw = raw[:i] + (b"1" if raw[i : i + 1] != b"1" else b"2") + raw[i + 1 :]
    elif tamper == "truncate":
        raw = raw[: raw.rstrip(b"\n").rindex(b"\n") + 1]  # drop the last row
    else:
        raw = raw + b"\n"
    target.write_bytes(raw)
    monkeypatch.setattr(data, "data_dir", lambda: tmp_path)
    with pytest.raises(OSError, match=f"{ds.filename} failed its checksum"):
        data.load(name)
    with pytest.raises(OSError, match="failed its checksum"):
        data.samples(name, ds.numeric[0])
    # an untouched copy in the same folder still loads
    other = next(o for o in data.DATASETS if o != name)
    assert data.load(other)


def test_intact_copy_elsewhere_loads(tmp_path, monkeypatch, fresh_cache):
    for ds in data.DATASETS.values():
        shutil.copy(data.data_dir() / ds.filename, tmp_path / ds.filename)
    monkeypatch.setattr(data, "data_dir", lambda: tmp_path)
    assert data.load("old_faithful")["eruptions"].shape == (272,)


def test_old_faithful_matches_r_summary():
    f = data.load("old_faithful")
    assert set(f) == {"eruptions", "waiting"}
    e, w = f["eruptions"], f["waiting"]
    assert e.shape == w.shape == (272,) and e.dtype == w.dtype == np.float64
    # R: summary(faithful) / colMeans(faithful)
    np.testing.assert_allclose(e.mean(), 3.487783, atol=5e-7)
    np.testing.assert_allclose(w.mean(), 70.897059, atol=5e-7)
    assert (e.min(), np.median(e), e.max()) == (1.6, 4.0, 5.1)
    assert (w.min(), np.median(w), w.max()) == (43.0, 76.0, 96.0)
    np.testing.assert_allclose(np.corrcoef(e, w)[0, 1], 0.9008112, atol=5e-7)  # cor(faithful)


def test_penguins_matches_palmerpenguins_summary():
    p = data.load("penguins")
    assert list(p) == [
        "species",
        "island",
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "sex",
        "year",
    ]
    assert all(col.shape == (344,) for col in p.values())
    flipper = p["flipper_length_mm"]
    assert np.sum(~np.isnan(flipper)) == 342
    assert data.samples("penguins", "flipper_length_mm").shape == (342,)
    species, counts = np.unique(p["species"], return_counts=True)
    assert dict(zip(species, counts, strict=True)) == {"Adelie": 152, "Chinstrap": 68, "Gentoo": 124}
    assert np.sum(p["sex"] == "NA") == 11
    # palmerpenguins README: mean(flipper_length_mm, na.rm = TRUE) etc.
    np.testing.assert_allclose(np.nanmean(flipper), 200.9152, atol=5e-5)
    np.testing.assert_allclose(np.nanmean(p["body_mass_g"]), 4201.754, atol=5e-4)
    np.testing.assert_allclose(np.nanmean(p["bill_length_mm"]), 43.92193, atol=5e-6)
    assert sorted(set(p["year"].tolist())) == [2007.0, 2008.0, 2009.0]


def test_loaded_arrays_are_read_only_and_load_returns_a_new_dict():
    a = data.load("old_faithful")
    with pytest.raises(ValueError, match="read-only"):
        a["eruptions"][0] = 0.0
    a["extra"] = np.zeros(1)
    assert "extra" not in data.load("old_faithful")


def test_samples_and_distribution():
    both = data.samples("penguins", ("bill_length_mm", "flipper_length_mm"))
    assert both.shape == (342, 2) and not np.any(np.isnan(both))
    one = data.samples("old_faithful", "waiting")
    one[0] = -1.0  # a copy: the cached data are unaffected
    assert data.samples("old_faithful", "waiting")[0] == 79.0
    d = data.distribution("old_faithful", "eruptions", bandwidth=0.3)
    assert isinstance(d, Empirical) and d.n == 272 and d.bandwidth_ == 0.3
    assert d.describe() == "KDE of Old Faithful geyser eruptions: eruptions (n=272, h=0.3)"
    d2 = data.distribution("penguins", ("bill_length_mm", "flipper_length_mm"))
    assert d2.dim == 2 and d2.n == 342


def test_unknown_names_raise_valueerror():
    with pytest.raises(ValueError, match="unknown data set 'iris'; choose one of: old_faithful, penguins"):
        data.load("iris")
    with pytest.raises(ValueError, match="unknown data set"):
        data.samples("iris", "x")
    with pytest.raises(ValueError, match="unknown data set"):
        data.distribution("iris", "x")
    with pytest.raises(ValueError, match="'species' is not a numeric column of 'penguins'"):
        data.samples("penguins", "species")
    with pytest.raises(ValueError, match="'nope' is not a numeric column"):
        data.samples("old_faithful", ("eruptions", "nope"))
