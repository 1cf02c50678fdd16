"""sdrlink data link layer (sans-I/O): framing, FEC, ARQ, medium access, KISS, AX.25."""

__all__: list[str] = []
