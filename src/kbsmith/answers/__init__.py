"""Answers from published knowledge: the passage index, retrieval, extractive answers."""
