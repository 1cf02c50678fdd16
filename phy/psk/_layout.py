"""Slots of the demodulator's state array (shared by the kernels and the receiver)."""

T_NEXT = 0  # next strobe, fractional index into the sample buffer
T_INTEG = 1  # timing loop integrator (samples per symbol correction)
COS = 2  # carrier phasor exp(j theta): symbols are rotated by its conjugate
SIN = 3
OMEGA = 4  # carrier frequency (rad per symbol)
PREV_RE = 5  # previous symbol (after the phase correction)
PREV_IM = 6
HAVE_PREV = 7
ERR_PREV = 8  # timing error of the previous symbol (applied one symbol late)
N_STATE = 9

# Slots of the detector's state array (absolute sample indices are stored as floats).
D_RE = 0  # running one-symbol-lag correlation P over the window
D_IM = 1
D_E = 2  # running energy E over the window
D_AGE = 3  # samples since the running sums were last recomputed from scratch
D_POS = 4  # absolute index of the next sample to examine
D_ARM = 5  # absolute index from which triggers count
D_FIRST = 6  # absolute index of the first trigger, or -1
D_BEST = 7  # largest |P|^2 among the triggers since D_FIRST
D_PEAK = 8  # its absolute index
D_PEAK_RE = 9  # its P (float32-rounded)
D_PEAK_IM = 10
D_N_STATE = 11
