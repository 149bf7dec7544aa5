"""`timeline.gcpause.paused_gc`: the collector is off inside and as it was after."""

from __future__ import annotations

import gc

import pytest

from timeline.gcpause import paused_gc


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_is_off_inside_and_restored_after_even_on_error(enabled: bool) -> None:
    (gc.enable if enabled else gc.disable)()
    try:
        with paused_gc():
            assert not gc.isenabled()
        assert gc.isenabled() is enabled
        with pytest.raises(ValueError), paused_gc():
            raise ValueError
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
