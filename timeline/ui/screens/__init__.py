"""Part of the Textual UI (see `timeline.ui`)."""
