"""kbsmith: builds and keeps a support knowledge base from its sources."""
