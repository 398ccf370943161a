"""kbsmith: builds and keeps a support knowledge base from its sources."""

__version__ = "0.1.0"
