"""tracker: author, check and run multi-agent LLM pipelines written in the Dippin language."""

__version__ = "0.1.0"
