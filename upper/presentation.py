"""Layer 6: encoding, compression and protection of payloads (sans-I/O).

Encoding: msgpack (binary values allowed), then zlib when it makes the payload shorter; the
first byte says which (0 plain, 1 zlib). Decoding is bounded (``max_bytes``) against
decompression bombs and rejects anything malformed by returning ``None``.

Protection, chosen per node and agreed in the session handshake:

* ``"encrypt"``: ChaCha20-Poly1305 with a key per session and direction; the 96-bit nonce is
  a 64-bit counter, sent in the clear and authenticated; the receiver accepts only counters
  above the last one (replay protection). Overhead 8 + 16 bytes.
* ``"sign"``: the payload stays readable (amateur-radio rules forbid encryption) and carries
  an Ed25519 signature over the session id, direction, counter and payload. Overhead 8 + 64.

Group and broadcast datagrams have no session: they are always signed with the sender's
identity key, which travels with them (32 bytes) and must hash to the source address.
"""

from __future__ import annotations

import random
import struct
import zlib
from collections import OrderedDict
from typing import Any

import msgpack
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from phy.errors import ConfigError
from upper.network import address_from_public_key

__all__ = [
    "MODES",
    "DatagramSigner",
    "Identity",
    "Protector",
    "decode_payload",
    "encode_payload",
    "verify_signature",
]

MODES = ("encrypt", "sign")
_COUNTER = struct.Struct(">Q")
SIGNATURE_BYTES = 64
TAG_BYTES = 16


def encode_payload(obj: Any, *, compress_min_bytes: int = 48) -> bytes:
    """msgpack ``obj`` and zlib-compress it when that saves bytes. Cost O(len)."""
    raw = msgpack.packb(obj, use_bin_type=True)
    if len(raw) >= compress_min_bytes:
        packed = zlib.compress(raw, 6)
        if len(packed) + 1 < len(raw) + 1:
            return b"\x01" + packed
    return b"\x00" + raw


def decode_payload(data: bytes, *, max_bytes: int = 1 << 20) -> tuple[bool, Any]:
    """Inverse of ``encode_payload``: ``(True, obj)`` or ``(False, reason)``; never raises."""
    if not data:
        return False, "empty"
    if data[0] == 1:
        inflater = zlib.decompressobj()
        try:
            raw = inflater.decompress(data[1:], max_bytes)
        except zlib.error:
            return False, "bad_compression"
        if inflater.unconsumed_tail or not inflater.eof:
            return False, "oversized_or_truncated"
    elif data[0] == 0:
        raw = data[1:]
        if len(raw) > max_bytes:
            return False, "oversized"
    else:
        return False, "bad_encoding"
    try:
        return True, msgpack.unpackb(raw, raw=False, strict_map_key=False)
    except Exception:  # msgpack raises many types on garbage
        return False, "bad_msgpack"


class Identity:
    """An Ed25519 key pair and the node address derived from it.

    Use ``Identity.generate(rng)`` (deterministic for a seeded ``random.Random``; pass
    ``random.SystemRandom()`` for real keys) or ``Identity.from_seed(32 bytes)``.
    """

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key = private_key.public_key().public_bytes_raw()
        self.address = address_from_public_key(self.public_key)

    @classmethod
    def from_seed(cls, seed: bytes) -> Identity:
        if len(seed) != 32:
            raise ConfigError("an Ed25519 seed is 32 bytes")
        return cls(Ed25519PrivateKey.from_private_bytes(bytes(seed)))

    @classmethod
    def generate(cls, rng: random.Random) -> Identity:
        return cls.from_seed(rng.randbytes(32))

    def private_seed(self) -> bytes:
        return self._key.private_bytes_raw()

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data)


def verify_signature(public_key: bytes, signature: bytes, data: bytes) -> bool:
    """True when ``signature`` is ``public_key``'s Ed25519 signature of ``data``."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


class Protector:
    """Seals and opens the messages of one session (one per session, both directions).

    Parameters
    ----------
    mode : {"encrypt", "sign"}
    session_id : bytes
        Bound into every nonce/signature: frames of another session do not open.
    tx_key, rx_key : bytes
        32-byte ChaCha20-Poly1305 keys (``"encrypt"`` mode).
    identity : Identity
        Signs outgoing frames (``"sign"`` mode).
    peer_public_key : bytes
        Verifies incoming frames (``"sign"`` mode).
    initiator : bool
        Direction label, so a frame cannot be reflected back to its sender.
    """

    def __init__(
        self,
        *,
        mode: str,
        session_id: bytes,
        tx_key: bytes,
        rx_key: bytes,
        identity: Identity,
        peer_public_key: bytes,
        initiator: bool,
    ) -> None:
        if mode not in MODES:
            raise ConfigError(f"protection mode {mode!r} is not one of {MODES}")
        self.mode = mode
        self._sid = session_id
        self._tx = ChaCha20Poly1305(tx_key)
        self._rx = ChaCha20Poly1305(rx_key)
        self._identity = identity
        self._peer_key = peer_public_key
        self._tx_dir = b"I" if initiator else b"R"
        self._rx_dir = b"R" if initiator else b"I"
        self._tx_counter = 0
        self._rx_counter = -1

    @property
    def overhead_bytes(self) -> int:
        return _COUNTER.size + (TAG_BYTES if self.mode == "encrypt" else SIGNATURE_BYTES)

    def seal(self, plaintext: bytes) -> bytes:
        self._tx_counter += 1
        counter = _COUNTER.pack(self._tx_counter)
        if self.mode == "encrypt":
            nonce = b"\x00\x00\x00\x00" + counter
            return counter + self._tx.encrypt(nonce, plaintext, self._sid + self._tx_dir)
        signed = self._sid + self._tx_dir + counter + plaintext
        return counter + plaintext + self._identity.sign(signed)

    def open(self, frame: bytes) -> tuple[bool, bytes | str]:
        """``(True, plaintext)`` or ``(False, reason)``: truncated, forged or replayed."""
        if len(frame) < self.overhead_bytes:
            return False, "truncated"
        counter_bytes = frame[: _COUNTER.size]
        (counter,) = _COUNTER.unpack(counter_bytes)
        if counter <= self._rx_counter:
            return False, "replayed"
        body = frame[_COUNTER.size :]
        if self.mode == "encrypt":
            try:
                nonce = b"\x00" * 4 + counter_bytes
                plain = self._rx.decrypt(nonce, body, self._sid + self._rx_dir)
            except InvalidTag:
                return False, "bad_tag"
        else:
            plain, signature = body[:-SIGNATURE_BYTES], body[-SIGNATURE_BYTES:]
            signed = self._sid + self._rx_dir + counter_bytes + plain
            if not verify_signature(self._peer_key, signature, signed):
                return False, "bad_signature"
        self._rx_counter = counter
        return True, plain


class DatagramSigner:
    """Signs group/broadcast datagrams and checks those of others (with replay counters).

    Frame: ``public key (32) | counter (8) | payload | signature (64)``; the signature covers
    the destination address too, so a datagram cannot be re-aimed at another group.
    """

    OVERHEAD_BYTES = 32 + _COUNTER.size + SIGNATURE_BYTES

    def __init__(self, identity: Identity, *, max_senders: int = 1024) -> None:
        self._identity = identity
        self._counter = 0
        self._last: OrderedDict[bytes, int] = OrderedDict()
        self._max_senders = max_senders

    def sign(self, dst: bytes, payload: bytes) -> bytes:
        self._counter += 1
        counter = _COUNTER.pack(self._counter)
        signature = self._identity.sign(b"sdrlink-dgram" + dst + counter + payload)
        return self._identity.public_key + counter + payload + signature

    def open(self, src: bytes, dst: bytes, frame: bytes) -> tuple[bool, bytes | str]:
        """``(True, payload)`` or ``(False, reason)``."""
        if len(frame) < self.OVERHEAD_BYTES:
            return False, "truncated"
        public_key, counter_bytes = frame[:32], frame[32:40]
        payload, signature = frame[40:-SIGNATURE_BYTES], frame[-SIGNATURE_BYTES:]
        if address_from_public_key(public_key) != src:
            return False, "key_mismatch"
        signed = b"sdrlink-dgram" + dst + counter_bytes + payload
        if not verify_signature(public_key, signature, signed):
            return False, "bad_signature"
        (counter,) = _COUNTER.unpack(counter_bytes)
        if counter <= self._last.get(src, 0):
            return False, "replayed"
        self._last[src] = counter
        self._last.move_to_end(src)
        while len(self._last) > self._max_senders:
            self._last.popitem(last=False)
        return True, payload
