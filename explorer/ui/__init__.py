"""Widget front end (ipywidgets + plotly). Never imported by the core.

* :mod:`explorer.ui.widgets` — the shared layer every page builds on: ``FigureSlot`` (figures),
  ``ErrorBox`` (errors), ``theme`` (colours), ``slider``/``Controls`` (controls by name),
  ``LatestRunner`` (long work in the background, newest request wins);
* :mod:`explorer.ui.calculator` — the divergence calculator page (one module per part);
* :mod:`explorer.ui.mode_seeking` — the mode-seeking page (one module per tab);
* :mod:`explorer.ui.index` — the landing page's cards.
"""
