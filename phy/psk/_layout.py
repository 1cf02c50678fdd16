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
