"""One module per LSP feature; each defines ``register(server)``."""
