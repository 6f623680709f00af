"""The calculator on the visitor's own data: the "Your data" family of p and q takes an upload or
pasted numbers through :class:`~explorer.ui.widgets.upload.DataUpload`, and every divergence is
then computed on the same KDE as ``explorer.divergences.compute_both`` gives; refusals stay in the
upload's box and leave the page as it was; a link choosing the family shows the example."""

from __future__ import annotations

import html
from urllib.parse import quote

import numpy as np
import pytest
from upload_helpers import as_read, csv_bytes, file_value

from explorer import divergences as dv
from explorer.distributions import Empirical
from explorer.presets import FAMILIES, MAX_KDE_POINTS, USER_DATA, USER_EXAMPLE, user_family
from explorer.ui import calculator


def values(results: dict) -> dict[str, tuple]:
    return {k: tuple(None if r is None else r.value for r in pair) for k, pair in results.items()}


def expected(page, p, q) -> dict[str, tuple]:
    return values(dv.compute_both(p, q, params=page.params()))


def assert_same(got: dict, want: dict) -> None:
    assert got.keys() == want.keys()
    for k in got:
        for a, b in zip(got[k], want[k], strict=True):
            assert (a is None and b is None) or a == pytest.approx(b, rel=1e-9, abs=1e-12), k


@pytest.fixture
def page():
    return calculator.build()


def test_the_family_without_data_shows_the_example_and_says_so(page):
    assert page.p_side.upload.widget.layout.display == "none"
    page.controls.set({"p.family": USER_DATA})
    side = page.p_side
    assert side.upload.widget.layout.display is None and page.q_side.upload.widget.layout.display == "none"
    assert page.errors.value == "" and "example numbers" in side.blurb.value
    np.testing.assert_array_equal(np.sort(side.distribution().samples), np.sort(USER_EXAMPLE))
    assert "KDE of the example numbers (n=30" in page.status.value
    p = Empirical(USER_EXAMPLE, bandwidth=side.values()["bandwidth"])
    assert_same(values(page.results), expected(page, p, page.q_side.distribution()))


def test_an_uploaded_csv_gives_every_divergence_on_its_kde(page):
    before, table = values(page.results), page.table.value
    x = as_read(np.random.default_rng(3).normal(50.0, 8.0, 400))
    page.p_side.upload.file.value = file_value("flow.csv", csv_bytes(x) + b"\nn/a\ninf\noops\n")
    assert page.p_side.dropdown.value == USER_DATA  # an upload with another family shown chooses it
    up = page.p_side.upload
    assert up.errors.value == "" and page.errors.value == "" and up.file.value == ()
    assert "kept 400 of 403 rows; dropped 3" in html.unescape(up.preview.value)
    assert "400 values of flow" in page.p_side.blurb.value and "KDE of flow (n=400" in page.status.value
    h = page.p_side.values()["bandwidth"]
    assert h == pytest.approx(Empirical(x).bandwidth_, rel=1e-9)  # the slider starts at Silverman's h
    p, q = Empirical(x, bandwidth=h), page.q_side.distribution()
    assert_same(values(page.results), expected(page, p, q))
    assert values(page.results) != before and page.table.value != table
    # the scene is the data's: q's default sits on them, not at the standard scene's 0
    assert 30 < page.q_side.values()["mean"] < 70
    # the bandwidth slider acts on the visitor's KDE
    page.controls.set({"p.bandwidth": 2 * h})
    assert_same(values(page.results), expected(page, Empirical(x, bandwidth=2 * h), q))
    # a second column: the chosen one is used
    up.load(b"a,b\n" + b"\n".join(f"{v:.6f},{2 * v:.6f}".encode() for v in x), "two.csv")
    up.x.value = "b"
    assert "KDE of b (n=400" in page.status.value and page.errors.value == ""
    np.testing.assert_array_equal(np.sort(page.p_side.distribution().samples), np.sort(as_read(2 * x)))


HOSTILE = {
    "all NaN": (b"a\nnan\nNaN\nNA\n\nn/a\n", "0 usable rows"),
    "one row": (b"a,b\n1.5,2.5\n", "only 1 row"),
    "constant": (b"v\n3\n3\n3\n", "is constant"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not a text file"),
    "wrong delimiter": (b"a|b\n1|2\n3|4\n5|6\n", "only one column was found"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_refused_file_is_explained_and_changes_nothing(page, case):
    content, message = HOSTILE[case]
    page.controls.set({"p.family": USER_DATA})
    before, status = values(page.results), page.status.value
    up = page.p_side.upload
    up.file.value = file_value("../../etc/passwd", content)  # the name is only shown, never opened
    shown = html.unescape(up.errors.value)
    assert shown.startswith("Could not use your data:") and message in shown and "Traceback" not in shown
    assert page.errors.value == "" and values(page.results) == before and page.status.value == status
    assert up.file.value == ()
    up.paste.value = "1.1 2.3 2.9 4.0 5.5"  # the page still takes data, and the message goes
    up.use.click()
    assert up.errors.value == "" and "KDE of column 1 (n=5" in page.status.value


def test_p_and_q_each_take_their_own_sample(page):
    rng = np.random.default_rng(7)
    x, y = as_read(rng.normal(0, 1, 300)), as_read(rng.normal(1, 2, 250))
    page.p_side.upload.load(csv_bytes(x, "before"), "before.csv")
    page.q_side.upload.load(csv_bytes(y, "after"), "after.csv")
    assert page.p_side.dropdown.value == page.q_side.dropdown.value == USER_DATA
    assert page.p_side.upload.widget.layout.display is None
    assert page.q_side.upload.widget.layout.display is None
    p = Empirical(x, bandwidth=page.p_side.values()["bandwidth"])
    q = Empirical(y, bandwidth=page.q_side.values()["bandwidth"])
    assert page.errors.value == ""
    assert "KDE of before" in page.status.value and "KDE of after" in page.status.value
    assert_same(values(page.results), expected(page, p, q))
    kl = page.results["kl"][0].value
    assert kl == pytest.approx(float(dv.compute("kl", p, q)), rel=1e-9)
    # another family and back: the visitor's sample is kept
    page.controls.set({"p.family": "Gaussian"})
    page.controls.set({"p.family": USER_DATA})
    assert "KDE of before (n=300" in page.status.value


def test_a_link_to_the_family_shows_the_example_and_the_upload_is_no_parameter(page):
    """A link carries the family, never the data: opened elsewhere it shows the example numbers,
    and values set for the visitor's scale that do not fit the example's are skipped with notes."""
    page.p_side.upload.load(csv_bytes(np.arange(20.0) ** 1.5), "mine.csv")
    query = page.link.button.query
    assert "upload" not in query and "mine" not in query and quote(USER_DATA, safe="").split("%")[0] in query
    fresh = calculator.build()
    notes = fresh.link.apply(query)
    assert all("is outside" in n for n in notes), notes
    assert fresh.p_side.dropdown.value == USER_DATA and fresh.errors.value == ""
    assert "example numbers" in fresh.p_side.blurb.value
    assert "KDE of the example numbers" in fresh.status.value
    # a link made on the example opens exactly
    example = calculator.build()
    example.controls.set({"p.family": USER_DATA})
    again = calculator.build()
    assert again.link.apply(example.link.button.query) == []
    assert again.controls.values() == example.controls.values()


def test_user_family_thins_a_large_sample_reproducibly_and_says_so():
    x = np.random.default_rng(1).normal(size=MAX_KDE_POINTS + 1000)
    a, b = user_family(x, "z"), user_family(x, "z")
    assert a.samples().shape == (MAX_KDE_POINTS,) and np.array_equal(a.samples(), b.samples())
    assert "random 5,000 of them" in a.blurb and f"{x.size:,} values" in a.blurb
    assert np.isin(a.samples(), x).all()
    assert user_family(x[:50], "z").samples().shape == (50,) and "random" not in user_family(x[:50]).blurb
    with pytest.raises(ValueError, match="all equal"):
        user_family([2.0, 2.0, 2.0])
    assert FAMILIES[USER_DATA].user and FAMILIES[USER_DATA].is_data
