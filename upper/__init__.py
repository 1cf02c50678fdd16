"""sdrlink network to application layers (sans-I/O), the runtime and the command line."""

__all__: list[str] = []
