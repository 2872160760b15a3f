"""Sphinx configuration: builds offline, warnings are errors (tests/test_docs.py)."""
import os
import sys

import imgconv

sys.path.insert(0, os.path.abspath("."))   # docs/_figures.py for the plot directives

project = "imgconv"
author = "imgconv developers"
copyright = "imgconv developers"
release = version = imgconv.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
]

exclude_patterns = ["_build"]
html_theme = "alabaster"
html_theme_options = {"page_width": "1100px", "sidebar_width": "220px"}
html_static_path = []

numpydoc_show_class_members = False
numpydoc_xref_param_type = False
autodoc_typehints = "none"
autodoc_default_options = {"members": False}

plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 96)]
plot_rcparams = {"figure.dpi": 96, "font.size": 9, "savefig.bbox": "tight"}
plot_pre_code = "import numpy as np\nimport matplotlib.pyplot as plt\nimport _figures"
