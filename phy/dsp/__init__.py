"""Shared DSP blocks: resampling, sync-word search, filters."""

from phy.dsp.resample import Resampler, rational_ratio

__all__ = ["Resampler", "rational_ratio"]
