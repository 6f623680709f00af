"""Regenerate the precomputed information-plane runs shipped in data/information_plane/.

    PYTHONPATH=. python scripts/make_information_plane.py            # all runs
    PYTHONPATH=. python scripts/make_information_plane.py szt_tanh   # one run

Each run is deterministic (seeded, torch on one thread); tests/test_information_plane.py checks
that a short recomputation matches the first recorded epochs of the shipped file.
"""

from __future__ import annotations

import sys

from explorer.information.plane import PRECOMPUTED_DIR, information_plane

RUNS = {
    "szt_tanh": {"activation": "tanh", "dataset": "szt", "epochs": 2000, "every": 20,
                 "estimators": ("binning", "adaptive")},
    "szt_relu": {"activation": "relu", "dataset": "szt", "epochs": 2000, "every": 20,
                 "estimators": ("binning", "adaptive")},
    "digits_tanh": {"activation": "tanh", "dataset": "digits", "layers": (32, 16, 8), "epochs": 500,
                    "every": 10, "estimators": ("binning", "adaptive")},
}


def main(argv: list[str]) -> int:
    PRECOMPUTED_DIR.mkdir(parents=True, exist_ok=True)
    for name in argv or list(RUNS):
        res = information_plane(**RUNS[name], progress=True)
        res.save(PRECOMPUTED_DIR / f"{name}.npz")
        print(f"{name}: {res.seconds:.1f} s, final train/test accuracy "
              f"{res.train_acc[-1]:.3f}/{res.test_acc[-1]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
