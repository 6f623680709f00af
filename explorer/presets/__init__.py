r"""Every named target, picker family, preset pair and data-set-backed distribution, once.

==================  ========================================================================
module              contents
==================  ========================================================================
``datasets``        :data:`DATA_SOURCES`: which columns of which shipped data set
                    (:mod:`explorer.data`, checksummed) back a distribution;
                    :func:`source_samples`, :func:`source_distribution`
``targets``         :data:`TARGETS` of the mode-seeking demo (:class:`Target`: p and its
                    modes), :func:`make`, :func:`mode_handles`, :func:`edit_modes`
``families``        :data:`FAMILIES` of the calculator's p/q pickers, :class:`Scene` (the
                    x-window sliders live in), :func:`params_in`, :func:`default_values`,
                    :data:`PRESETS` (p/q pairs)
``joints``          :data:`~explorer.presets.joints.JOINTS` of the information-bottleneck page
                    (joint pmfs p(x, y)), :func:`user_joint` (a visitor's two columns)
==================  ========================================================================

Every parameter is an :class:`explorer.params.Param` (bounds, slider range, units), so the
UI's slider factory builds every control from these registries and :func:`make` validates
values against the same bounds.

Examples
--------
>>> from explorer import presets
>>> sorted(presets.TARGETS)[:3]
['heavy_tails', 'old_faithful', 'penguins_2d']
>>> presets.make("three_modes").p.describe()
'0.3·N(-4, 0.6²) + 0.4·N(0, 0.6²) + 0.3·N(4, 0.6²)'
"""

from explorer.presets.datasets import DATA_SOURCES, DataSource, source_distribution, source_samples
from explorer.presets.families import (
    FAMILIES,
    MAX_KDE_POINTS,
    PRESETS,
    STANDARD_SCENE,
    USER_DATA,
    USER_EXAMPLE,
    Family,
    PresetPair,
    Scene,
    default_values,
    params_in,
    scene_for,
    user_family,
)
from explorer.presets.joints import USER_JOINT, user_joint
from explorer.presets.targets import (
    MAX_TARGET_POINTS,
    TARGETS,
    USER_TARGET,
    Target,
    TargetSpec,
    edit_modes,
    make,
    mode_handles,
    user_target,
)

__all__ = [
    "DATA_SOURCES",
    "FAMILIES",
    "MAX_KDE_POINTS",
    "MAX_TARGET_POINTS",
    "PRESETS",
    "STANDARD_SCENE",
    "TARGETS",
    "USER_DATA",
    "USER_EXAMPLE",
    "USER_JOINT",
    "USER_TARGET",
    "DataSource",
    "Family",
    "PresetPair",
    "Scene",
    "Target",
    "TargetSpec",
    "default_values",
    "edit_modes",
    "make",
    "mode_handles",
    "params_in",
    "scene_for",
    "source_distribution",
    "source_samples",
    "user_family",
    "user_joint",
    "user_target",
]
