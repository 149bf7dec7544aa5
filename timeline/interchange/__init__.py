"""Interchange: exports, the TimelineJS import and the events.yaml JSON Schema.

Everything here is core: pure functions over the model that import neither Textual nor
Rich. `serve` and `completion` only import their third-party packages when called.
"""
