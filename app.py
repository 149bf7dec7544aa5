"""`python app.py [ARGS]`: the same as the `timeline` command, from a checkout."""

from timeline.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
