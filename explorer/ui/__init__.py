"""Widget front end (ipywidgets + plotly): one module per notebook. Never imported by the core."""
