"""Passages become a searchable index: embedders, reused vectors, exact or HNSW search, BM25, the stored index."""
