r"""Discrete distributions: batches of categorical rows, and joint pmfs over pairs (x, y).

:class:`Categorical` holds a probability vector on an ordered support, or a *batch* of them
(``probs`` of shape ``[..., V]``, e.g. the softmax outputs of a model over a vocabulary of
size V); it is built from probabilities or from logits, in log space throughout, so exact
zeros are allowed (``log 0 = -inf``, never NaN).

:class:`Joint` holds a joint pmf :math:`p(x, y)` as a 2-D array (rows x, columns y) with its
marginals, conditionals (as :class:`Categorical` batches), entropies and mutual information

.. math:: I(X;Y) = \sum_{x,y} p(x,y)\,\log\frac{p(x,y)}{p(x)\,p(y)} .

Reference: Cover & Thomas (2006), *Elements of Information Theory*, 2nd ed., ch. 2.

Examples
--------
>>> import numpy as np
>>> from explorer.distributions import Categorical, Joint
>>> Categorical([0.5, 0.25, 0.25]).entropy(base=2)
1.5
>>> p = Categorical(logits=np.log([[1.0, 1.0], [3.0, 1.0]]))
>>> p.batch_shape, p.probs[1].round(12).tolist()
((2,), [0.75, 0.25])
>>> bsc = Joint.from_channel([0.5, 0.5], [[0.9, 0.1], [0.1, 0.9]])   # binary symmetric channel
>>> round(bsc.mutual_information(base=2), 6)                          # 1 - H_b(0.1) bits
0.531004
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from explorer._numerics import logsumexp
from explorer._validation import (
    as_finite_array,
    as_probability_array,
    as_rng,
    as_sample_count,
    to_numpy,
)
from explorer.distributions.base import Distribution, RngLike, _fmt

__all__ = ["Categorical", "Joint"]

_BLOCK = 1 << 22  # entries per block of the batched sampler's comparisons (32 MB of bools)


def _log_base(base: float | None) -> float:
    """``ln(base)``: the divisor turning nats into units of ``base`` (``None``: nats)."""
    if base is None:
        return 1.0
    if isinstance(base, bool) or not isinstance(base, int | float | np.integer | np.floating):
        raise ValueError(f"base must be a positive number other than 1, got {base!r}")
    if not (math.isfinite(base) and base > 0 and base != 1):
        raise ValueError(f"base must be a positive number other than 1, got {base!r}")
    return math.log(base)


def _plogp_sum(p: np.ndarray, logp: np.ndarray, axis: Any = -1) -> np.ndarray:
    """``-Σ p log p`` with ``0 log 0 = 0``."""
    return -np.sum(np.where(p > 0, p * np.where(p > 0, logp, 0.0), 0.0), axis=axis)


def _normalised_logits(logits: Any) -> np.ndarray:
    """``logits - logsumexp(logits)`` along the last axis; ``-inf`` allowed, NaN and ``+inf`` not."""
    arr = to_numpy(logits)
    try:
        arr = np.asarray(arr, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"logits must be numeric, got {logits!r}") from None
    if arr.ndim == 0:
        raise ValueError("logits must have at least 1 dimension, got a scalar")
    if arr.size == 0:
        raise ValueError("logits must not be empty")
    if np.any(np.isnan(arr)) or np.any(np.isposinf(arr)):
        raise ValueError("logits contains NaN or +inf")
    norm = np.asarray(logsumexp(arr, axis=-1))
    if np.any(np.isneginf(norm)):
        where = tuple(int(i) for i in np.argwhere(np.isneginf(np.atleast_1d(norm)))[0])
        raise ValueError(f"logits are all -inf (no mass) at batch index {where}")
    return arr - norm[..., None]


def _freeze(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


class Categorical(Distribution):
    r"""Probability vector(s) on an ordered support ``values[0] < values[1] < ... < values[V-1]``.

    .. math:: P(X = v_j) = p_j = \frac{e^{\ell_j}}{\sum_k e^{\ell_k}}

    A batch of independent categoricals shares one support: ``probs`` (or ``logits``) has
    shape ``[*batch_shape, V]``; every method broadcasts over the batch, and indexing
    (``p[2]``, ``p[:, 0]``) selects batch entries.

    Parameters
    ----------
    probs : array_like or torch.Tensor of shape (..., V), optional
        Non-negative, each row summing to 1 (within 1e-8, or a few float32 ulps for float32
        input); exact zeros allowed.
    values : array_like of shape (V,), optional
        Strictly increasing support points (default ``0, 1, ..., V-1``, so values are indices);
        the Wasserstein distances use them as positions.
    labels : sequence of str, optional
        Category names for display.
    logits : array_like or torch.Tensor of shape (..., V), optional
        Unnormalised log-probabilities (keyword only; give ``probs`` or ``logits``, not both);
        ``-inf`` is an exact zero.

    Raises
    ------
    ValueError
        Naming ``probs``/``logits``/``values``/``labels``: negative or non-finite probabilities,
        rows not summing to 1, NaN or ``+inf`` logits, a row of all ``-inf``, a support that is
        not strictly increasing or does not have V entries.

    Examples
    --------
    >>> p = Categorical([0.2, 0.0, 0.8], values=[-1.0, 0.0, 1.0])
    >>> p.logpmf([1.0, 0.0]).tolist(), round(p.mean, 6)
    ([-0.2231435513142097, -inf], 0.6)
    >>> batch = Categorical(logits=np.zeros((4, 3)))
    >>> batch.batch_shape, batch[1:3].batch_shape, batch.entropy().round(4).tolist()
    ((4,), (2,), [1.0986, 1.0986, 1.0986, 1.0986])
    """

    dim = 0
    discrete = True

    def __init__(self, probs: Any = None, values: Any = None, labels: Sequence[str] | None = None,
                 *, logits: Any = None):
        if (probs is None) == (logits is None):
            raise ValueError("give exactly one of probs or logits")
        if probs is not None:
            p = as_probability_array(probs, "probs")
            with np.errstate(divide="ignore"):
                logp = np.log(p)
        else:
            logp = _normalised_logits(logits)
            p = np.exp(logp)
        k = p.shape[-1]
        if values is None:
            v = np.arange(k, dtype=float)
        else:
            v = as_finite_array(values, "values", ndim=1)
            if v.size != k:
                raise ValueError(f"values has {v.size} entries for {k} probabilities")
            if np.any(np.diff(v) <= 0):
                raise ValueError("values must be strictly increasing")
            v = v.copy()
        if labels is not None and len(labels) != k:
            raise ValueError(f"labels has {len(labels)} entries for {k} probabilities")
        self._probs = _freeze(p)
        self._logp = _freeze(logp)
        self.values = _freeze(v)
        self.labels = list(labels) if labels is not None else [str(i) for i in range(k)]

    @classmethod
    def _from_log(cls, logp: np.ndarray, like: Categorical, probs: np.ndarray | None = None) -> Categorical:
        """A categorical with normalised log-probabilities ``logp`` (and ``probs``) and ``like``'s support."""
        out = cls.__new__(cls)
        with np.errstate(under="ignore"):
            out._probs = _freeze(np.exp(logp) if probs is None else probs)
        out._logp = _freeze(logp)
        out.values, out.labels = like.values, like.labels
        return out

    # -- shape and parameters --------------------------------------------------------------------
    @property
    def probs(self) -> np.ndarray:
        """Probabilities, shape ``(*batch_shape, V)`` (read-only)."""
        return self._probs

    @property
    def logits(self) -> np.ndarray:
        """Normalised log-probabilities ``log p`` (``-inf`` where ``p = 0``), shape ``(*batch_shape, V)``."""
        return self._logp

    @property
    def k(self) -> int:
        """Number of categories V."""
        return int(self._probs.shape[-1])

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return tuple(self._probs.shape[:-1])

    def __len__(self) -> int:
        if not self.batch_shape:
            raise TypeError("an unbatched Categorical has no len()")
        return self.batch_shape[0]

    def __getitem__(self, index: Any) -> Categorical:
        """Select batch entries (the category axis is never indexed)."""
        if not self.batch_shape:
            raise IndexError("an unbatched Categorical cannot be indexed")
        key = index if isinstance(index, tuple) else (index,)
        key = (*key, slice(None))
        return Categorical._from_log(self._logp[key], self, self._probs[key])

    def expand(self, batch_shape: Sequence[int]) -> Categorical:
        """The same rows broadcast to ``batch_shape`` (numpy broadcasting rules)."""
        shape = (*tuple(int(s) for s in batch_shape), self.k)
        try:
            logp, probs = np.broadcast_to(self._logp, shape), np.broadcast_to(self._probs, shape)
        except ValueError:
            raise ValueError(f"cannot broadcast batch shape {self.batch_shape} to "
                             f"{tuple(batch_shape)}") from None
        return Categorical._from_log(logp, self, probs)

    # -- probabilities ---------------------------------------------------------------------------
    def logpmf(self, x: Any) -> np.ndarray:
        """Log-probability of support values ``x`` (``-inf`` off the support).

        ``x`` broadcasts against ``batch_shape``: the result has shape
        ``broadcast(x.shape, batch_shape)``. With the default support, values are indices.
        """
        x = np.asarray(to_numpy(x), dtype=float)
        if np.any(np.isnan(x)):
            raise ValueError("x contains NaN")
        try:
            shape = np.broadcast_shapes(x.shape, self.batch_shape)
        except ValueError:
            raise ValueError(f"x of shape {x.shape} does not broadcast against the batch shape "
                             f"{self.batch_shape}") from None
        idx = np.clip(np.searchsorted(self.values, x), 0, self.k - 1)
        on = self.values[idx] == x
        lp = np.broadcast_to(self._logp, (*shape, self.k))
        picked = np.take_along_axis(lp, np.broadcast_to(idx, shape)[..., None], axis=-1)[..., 0]
        return np.where(np.broadcast_to(on, shape), picked, -np.inf)

    logpdf = logpmf
    log_prob = logpmf

    def sample(self, n: int, rng: RngLike = None) -> np.ndarray:
        """``n`` draws of support values, shape ``(n, *batch_shape)`` (inverse-cdf sampling).

        Categories of probability exactly 0 are never drawn.
        """
        n = as_sample_count(n)
        g = as_rng(rng)
        cdf = np.cumsum(self._probs, axis=-1)
        cdf = cdf / cdf[..., -1:]  # last entry exactly 1, so u ∈ [0, 1) never runs past it
        if not self.batch_shape:
            return self.values[np.searchsorted(cdf, g.random(n), side="right")]
        flat = cdf.reshape(-1, self.k)
        u = g.random((n, flat.shape[0]))
        idx = np.empty(u.shape, dtype=np.intp)
        block = max(1, _BLOCK // flat.size)
        for s in range(0, n, block):
            idx[s:s + block] = np.sum(u[s:s + block, :, None] >= flat[None], axis=-1)
        return self.values[idx].reshape(n, *self.batch_shape)

    def entropy(self, base: float | None = None) -> Any:
        r"""Shannon entropy :math:`H = -\sum_j p_j \log p_j` (nats, or units of ``base``), per batch entry."""
        h = _plogp_sum(self._probs, self._logp) / _log_base(base)
        return float(h) if not self.batch_shape else h

    def mode(self) -> Any:
        """Most probable support value (the first on ties), per batch entry."""
        m = self.values[np.argmax(self._probs, axis=-1)]
        return float(m) if not self.batch_shape else m

    @property
    def mean(self) -> Any:
        m = self._probs @ self.values
        return float(m) if not self.batch_shape else m

    @property
    def var(self) -> Any:
        m = np.asarray(self._probs @ self.values)
        v = np.sum(self._probs * (self.values - m[..., None]) ** 2, axis=-1)
        return float(v) if not self.batch_shape else v

    @property
    def cov(self) -> np.ndarray:
        """Variance as a ``(*batch_shape, 1, 1)`` array."""
        return np.asarray(self.var, dtype=float)[..., None, None]

    def plot_range(self) -> tuple[float, float]:
        gap = float(np.min(np.diff(self.values))) if self.k > 1 else 1.0
        return (float(self.values[0]) - 0.5 * gap, float(self.values[-1]) + 0.5 * gap)

    @property
    def support(self) -> tuple[float, float]:
        return (float(self.values[0]), float(self.values[-1]))

    def describe(self) -> str:
        if self.batch_shape:
            return f"Cat(batch {self.batch_shape}, {self.k} categories)"
        return "Cat(" + ", ".join(_fmt(v) for v in self._probs) + ")"


class Joint(Distribution):
    r"""A joint pmf :math:`p(x, y)` on a finite grid: rows are x, columns are y.

    .. math::
        p(x) = \sum_y p(x,y),\quad p(y\mid x) = \frac{p(x,y)}{p(x)},\quad
        I(X;Y) = \sum_{x,y} p(x,y)\log\frac{p(x,y)}{p(x)p(y)} = H(Y) - H(Y\mid X).

    Parameters
    ----------
    pmf : array_like or torch.Tensor of shape (X, Y)
        Non-negative, summing to 1 (within 1e-8); exact zeros allowed.
    x_values, y_values : array_like, optional
        Strictly increasing support points of x (length X) and y (length Y); default indices.
    x_labels, y_labels : sequence of str, optional
        Names for display.

    Raises
    ------
    ValueError
        Naming ``pmf``: not 2-D, negative or non-finite entries, total not 1.

    Examples
    --------
    >>> j = Joint([[0.25, 0.25], [0.0, 0.5]])
    >>> j.marginal_x.probs.tolist(), j.marginal_y.probs.tolist()
    ([0.5, 0.5], [0.25, 0.75])
    >>> j.conditional_y_given_x.probs.tolist()
    [[0.5, 0.5], [0.0, 1.0]]
    """

    dim = 0
    discrete = True

    def __init__(self, pmf: Any, x_values: Any = None, y_values: Any = None,
                 x_labels: Sequence[str] | None = None, y_labels: Sequence[str] | None = None):
        p = as_probability_array(pmf, "pmf", ndim=2, axis=None)
        with np.errstate(divide="ignore"):
            self._logp = _freeze(np.log(p))
        self._pmf = _freeze(p)
        # the marginals validate x_values / y_values / labels against the shape
        self._px = Categorical(p.sum(axis=1), values=x_values, labels=x_labels)
        self._py = Categorical(p.sum(axis=0), values=y_values, labels=y_labels)

    @classmethod
    def from_channel(cls, p_x: Any, channel: Any, x_values: Any = None, y_values: Any = None) -> Joint:
        r"""Joint of an input law :math:`p(x)` and a channel :math:`p(y\mid x)` (rows summing to 1).

        :math:`p(x, y) = p(x)\,p(y\mid x)`.
        """
        px = as_probability_array(p_x, "p_x", ndim=1)
        w = as_probability_array(channel, "channel", ndim=2)
        if w.shape[0] != px.size:
            raise ValueError(f"channel has {w.shape[0]} rows for {px.size} input values")
        return cls(px[:, None] * w, x_values, y_values)

    @classmethod
    def independent(cls, p_x: Any, p_y: Any) -> Joint:
        """The product pmf :math:`p(x)p(y)` (mutual information 0)."""
        px = as_probability_array(p_x, "p_x", ndim=1)
        py = as_probability_array(p_y, "p_y", ndim=1)
        return cls(np.outer(px, py))

    # -- arrays ----------------------------------------------------------------------------------
    @property
    def pmf(self) -> np.ndarray:
        """The joint pmf, shape ``(X, Y)`` (read-only)."""
        return self._pmf

    @property
    def log_pmf(self) -> np.ndarray:
        """``log p(x, y)`` (``-inf`` where the mass is 0)."""
        return self._logp

    @property
    def shape(self) -> tuple[int, int]:
        return self._pmf.shape  # type: ignore[return-value]

    @property
    def event_shape(self) -> tuple[int, ...]:
        return (2,)

    @property
    def x_values(self) -> np.ndarray:
        return self._px.values

    @property
    def y_values(self) -> np.ndarray:
        return self._py.values

    # -- marginals and conditionals ---------------------------------------------------------------
    @property
    def marginal_x(self) -> Categorical:
        """:math:`p(x) = \\sum_y p(x, y)`."""
        return self._px

    @property
    def marginal_y(self) -> Categorical:
        """:math:`p(y) = \\sum_x p(x, y)`."""
        return self._py

    def _conditional(self, log_joint: np.ndarray, log_marg: np.ndarray, like: Categorical) -> Categorical:
        with np.errstate(invalid="ignore"):
            cond = log_joint - log_marg[:, None]
        # rows of zero marginal mass: p(·|x) is undefined; uniform, since p(x) = 0 weighs it out
        cond[np.isneginf(log_marg)] = -math.log(log_joint.shape[1])
        return Categorical._from_log(cond, like)

    @property
    def conditional_y_given_x(self) -> Categorical:
        r""":math:`p(y \mid x)` as a batch of X categoricals over y.

        Rows with :math:`p(x) = 0` (undefined conditional) are uniform: every expectation weighs
        them by :math:`p(x) = 0`.
        """
        return self._conditional(self._logp, self._px.logits, self._py)

    @property
    def conditional_x_given_y(self) -> Categorical:
        r""":math:`p(x \mid y)` as a batch of Y categoricals over x (uniform where :math:`p(y) = 0`)."""
        return self._conditional(self._logp.T.copy(), self._py.logits, self._px)

    # -- information -----------------------------------------------------------------------------
    def entropy(self, base: float | None = None) -> float:
        """Joint entropy :math:`H(X, Y)`."""
        return float(_plogp_sum(self._pmf, self._logp, axis=None)) / _log_base(base)

    def entropy_x(self, base: float | None = None) -> float:
        """:math:`H(X)`."""
        return self._px.entropy(base)

    def entropy_y(self, base: float | None = None) -> float:
        """:math:`H(Y)`."""
        return self._py.entropy(base)

    def _cond_entropy(self, log_marg: np.ndarray, axis: int) -> float:
        lm = np.expand_dims(log_marg, axis)
        on = self._pmf > 0
        terms = np.where(on, self._pmf * (np.where(on, self._logp, 0.0) - np.where(on, lm, 0.0)), 0.0)
        return max(0.0, -float(np.sum(terms)))

    def conditional_entropy_y_given_x(self, base: float | None = None) -> float:
        r""":math:`H(Y\mid X) = -\sum p(x,y)\log p(y\mid x)`."""
        return self._cond_entropy(self._px.logits, 1) / _log_base(base)

    def conditional_entropy_x_given_y(self, base: float | None = None) -> float:
        r""":math:`H(X\mid Y) = -\sum p(x,y)\log p(x\mid y)`."""
        return self._cond_entropy(self._py.logits, 0) / _log_base(base)

    def mutual_information(self, base: float | None = None) -> float:
        r""":math:`I(X;Y) = \sum_{x,y} p(x,y)\log\frac{p(x,y)}{p(x)p(y)} \ge 0` (nats, or units of ``base``).

        Summed term by term over the support of :math:`p(x,y)` (no cancellation of entropies);
        a rounding residue below 0 is returned as 0.
        """
        on = self._pmf > 0
        lx, ly = self._px.logits[:, None], self._py.logits[None, :]
        with np.errstate(invalid="ignore"):
            ratio = np.where(on, self._logp - lx - ly, 0.0)
        mi = float(np.sum(np.where(on, self._pmf * ratio, 0.0)))
        return max(0.0, mi) / _log_base(base)

    # -- Distribution interface --------------------------------------------------------------------
    def logpdf(self, xy: Any) -> np.ndarray:
        """``log p(x, y)`` at points ``xy`` of shape ``(..., 2)`` (support values; ``-inf`` off it)."""
        a = np.asarray(to_numpy(xy), dtype=float)
        if a.ndim == 0 or a.shape[-1] != 2:
            raise ValueError(f"xy must have shape (..., 2), got {a.shape}")
        if np.any(np.isnan(a)):
            raise ValueError("xy contains NaN")
        xv, yv = self.x_values, self.y_values
        i = np.clip(np.searchsorted(xv, a[..., 0]), 0, xv.size - 1)
        j = np.clip(np.searchsorted(yv, a[..., 1]), 0, yv.size - 1)
        on = (xv[i] == a[..., 0]) & (yv[j] == a[..., 1])
        return np.where(on, self._logp[i, j], -np.inf)

    logpmf = logpdf
    log_prob = logpdf

    def sample(self, n: int, rng: RngLike = None) -> np.ndarray:
        """``n`` draws of pairs ``(x, y)`` of support values, shape ``(n, 2)``."""
        cdf = np.cumsum(self._pmf.reshape(-1))
        idx = np.searchsorted(cdf / cdf[-1], as_rng(rng).random(as_sample_count(n)), side="right")
        i, j = np.divmod(idx, self.shape[1])
        return np.column_stack([self.x_values[i], self.y_values[j]])

    @property
    def mean(self) -> np.ndarray:
        return np.array([self._px.mean, self._py.mean])

    @property
    def cov(self) -> np.ndarray:
        dx = self.x_values - self._px.mean
        dy = self.y_values - self._py.mean
        cxy = float(dx @ self._pmf @ dy)
        return np.array([[self._px.var, cxy], [cxy, self._py.var]])

    def plot_range(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return (self._px.plot_range(), self._py.plot_range())

    def describe(self) -> str:
        x, y = self.shape
        return f"Joint pmf {x}×{y}, I(X;Y) = {_fmt(self.mutual_information())} nats"
