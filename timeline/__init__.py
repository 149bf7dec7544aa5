"""timeline: a terminal timeline explorer that turns news articles into a sourced timeline.

The core (`dates`, `model`, `text`, `diagnostics`, `loader`, `provenance`, `query`) imports
neither Textual nor Rich; `timeline.ui` is the only place that does, and a test holds
the line.
"""

__version__ = "0.1.0"
