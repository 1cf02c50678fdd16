"""Forward error correction for sdrlink frames.

Reed-Solomon over GF(2^8) (bit-exact with ``reedsolo``), the rate-1/2 K=7 convolutional code
with a soft-decision Viterbi decoder, the block interleaver, PN9 whitening and the CRCs, all
behind the frame's four FEC levels (``none``, ``rs``, ``conv``, ``rs+conv``). Importing this
package compiles nothing; Numba kernels compile on first use and are cached on disk.
"""

from mac.fec._block import BlockResult, FecLevel, coded_bits, decode_block, encode_block
from mac.fec.conv import conv_encode, viterbi_decode, viterbi_decode_soft
from mac.fec.crc import crc16, crc32
from mac.fec.interleave import deinterleave, interleave
from mac.fec.rs import RS_NSYM, rs_chunk_sizes, rs_decode, rs_encode
from mac.fec.whiten import dewhiten_llrs, pn9_bits, whiten_bits

__all__ = [
    "RS_NSYM",
    "BlockResult",
    "FecLevel",
    "coded_bits",
    "conv_encode",
    "crc16",
    "crc32",
    "decode_block",
    "deinterleave",
    "dewhiten_llrs",
    "encode_block",
    "interleave",
    "pn9_bits",
    "rs_chunk_sizes",
    "rs_decode",
    "rs_encode",
    "viterbi_decode",
    "viterbi_decode_soft",
    "whiten_bits",
]
