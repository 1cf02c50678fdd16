"""p-persistent CSMA: deferral, persistence statistics, timing, KISS parameters."""

import random

import pytest

from mac._events import KeyDown, KeyUp, KissCommandFrame
from mac.csma import Csma, CsmaConfig, CsmaError, CsmaState
from mac.kiss import KissCommand, KissDecoder, encode_command, encode_data
from phy.errors import ConfigError

CFG = CsmaConfig(tx_delay_s=0.2, persistence=0.25, slot_time_s=0.1, tx_tail_s=0.05)


def run_until_key_up(csma, t):
    events = csma.request(t)
    while not events:
        t = csma.next_deadline_s()
        assert t is not None
        events = csma.on_timer(t)
    (key_up,) = events
    return key_up, t


def test_full_duplex_keys_up_at_once_even_when_busy():
    csma = Csma(config=CsmaConfig(full_duplex=True, tx_delay_s=0.3), rng=random.Random(0))
    csma.channel_busy(0.0, True)
    assert csma.request(1.0) == [KeyUp(ptt_on_s=1.0, data_start_s=1.3)]


def test_busy_channel_defers_then_waits_a_slot_after_it_clears():
    csma = Csma(config=CFG, rng=random.Random(1))
    csma.channel_busy(0.0, True)
    assert csma.request(0.0) == [] and csma.state is CsmaState.WAIT_CLEAR
    assert csma.next_deadline_s() is None
    assert csma.channel_busy(2.0, False) == []
    assert csma.next_deadline_s() == pytest.approx(2.1)
    key_up, t = run_until_key_up(csma, 2.0)
    assert t >= 2.1 and key_up.data_start_s == pytest.approx(t + 0.2)


def test_busy_during_slot_wait_restarts_deferral():
    csma = Csma(config=CsmaConfig(persistence=1 / 256, slot_time_s=0.1), rng=random.Random(2))
    csma.request(0.0)
    assert csma.state is CsmaState.WAIT_SLOT
    csma.channel_busy(0.05, True)
    assert csma.state is CsmaState.WAIT_CLEAR and csma.next_deadline_s() is None
    assert csma.on_timer(0.1) == []


@pytest.mark.parametrize("p", [0.1, 0.25, 0.6])
def test_persistence_is_the_probability_of_sending_in_a_slot(p):
    """Slots waited before keying up are geometric with success probability p."""
    rng = random.Random(3)
    csma = Csma(config=CsmaConfig(persistence=p, slot_time_s=1.0, tx_delay_s=0.0), rng=rng)
    t, waits = 0.0, []
    for _ in range(3000):
        _, t_key = run_until_key_up(csma, t)
        waits.append(round(t_key - t))
        csma.transmit_done(t_key)
        t = csma.next_deadline_s()
        assert csma.on_timer(t) == [KeyDown(ptt_off_s=t)]
    mean = sum(waits) / len(waits)
    expected = (1 - p) / p
    assert abs(mean - expected) < 5 * ((1 - p) ** 0.5 / p) / len(waits) ** 0.5
    assert csma.draws == len(waits) + sum(waits)


def test_tail_holds_the_carrier_then_keys_down():
    csma = Csma(config=CsmaConfig(persistence=1.0, tx_tail_s=0.05), rng=random.Random(0))
    assert csma.request(0.0) == [KeyUp(ptt_on_s=0.0, data_start_s=0.5)]
    assert csma.state is CsmaState.KEYED
    assert csma.request(0.1) == []  # ignored while keyed
    assert csma.transmit_done(1.0) == []
    assert csma.next_deadline_s() == pytest.approx(1.05)
    assert csma.on_timer(1.04) == []
    assert csma.on_timer(1.05) == [KeyDown(ptt_off_s=1.05)]
    assert csma.state is CsmaState.IDLE
    zero_tail = Csma(config=CsmaConfig(persistence=1.0, tx_tail_s=0.0))
    zero_tail.request(0.0)
    assert zero_tail.transmit_done(0.5) == [KeyDown(ptt_off_s=0.5)]


def test_out_of_order_runtime_calls_raise():
    csma = Csma(config=CFG)
    with pytest.raises(CsmaError, match="transmit_done"):
        csma.transmit_done(0.0)


def test_kiss_parameters_round_trip():
    cfg = CsmaConfig.from_kiss(txdelay=30, p=63, slottime=10, txtail=3, fullduplex=0)
    assert cfg.tx_delay_s == pytest.approx(0.3)
    assert cfg.persistence == pytest.approx(0.25)
    assert cfg.slot_time_s == pytest.approx(0.1)
    assert cfg.tx_tail_s == pytest.approx(0.03)
    assert not cfg.full_duplex
    assert cfg.to_kiss() == {"txdelay": 30, "p": 63, "slottime": 10, "txtail": 3, "fullduplex": 0}
    assert CsmaConfig.from_kiss(p=255).persistence == 1.0
    with pytest.raises(ConfigError, match="byte"):
        CsmaConfig.from_kiss(txdelay=256)
    with pytest.raises(ConfigError, match="persistence"):
        CsmaConfig(persistence=0.0)


def test_kiss_commands_update_the_configuration_like_a_tnc():
    stream = (
        encode_command(KissCommand.TXDELAY, 25)
        + encode_command(KissCommand.P, 127)
        + encode_command(KissCommand.SLOTTIME, 5)
        + encode_command(KissCommand.TXTAIL, 2)
        + encode_command(KissCommand.FULLDUPLEX, 1)
        + encode_data(b"not a command")
        + encode_command(KissCommand.SETHARDWARE, b"\x01")
    )
    cfg = CsmaConfig()
    for event in KissDecoder().receive_data(stream):
        if isinstance(event, KissCommandFrame):
            cfg = cfg.with_kiss(event.command, event.argument[0])
    assert cfg == CsmaConfig(
        tx_delay_s=0.25, persistence=0.5, slot_time_s=0.05, tx_tail_s=0.02, full_duplex=True
    )
    assert CsmaConfig().with_kiss(KissCommand.SLOTTIME, 0).slot_time_s == 0.01
    with pytest.raises(ConfigError):
        CsmaConfig().with_kiss(KissCommand.P, 256)


def test_reset_returns_to_idle():
    csma = Csma(config=CsmaConfig(persistence=1 / 256), rng=random.Random(5))
    csma.channel_busy(0.0, True)
    csma.request(0.0)
    assert csma.state is CsmaState.WAIT_CLEAR
    csma.reset()
    assert csma.state is CsmaState.IDLE and not csma.busy and csma.next_deadline_s() is None
    full = Csma(config=CsmaConfig(full_duplex=True, tx_delay_s=0.0))
    assert full.request(1.0) == [KeyUp(ptt_on_s=1.0, data_start_s=1.0)]
