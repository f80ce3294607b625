"""The corpus: loaders -> chunks -> embeddings -> Chroma, the SQL document registry, search with
access control and recency."""
