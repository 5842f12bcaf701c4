# Measures hnswlib on data exported by tessera-bench index (base.fvecs,
# queries.fvecs, truth.ivecs) with the same M, efConstruction and ef sweep,
# one thread, and prints one JSON object. Run by tessera-bench index
# --hnswlib PYTHON; needs hnswlib and numpy (Debian: python3-hnswlib).
import importlib.metadata, json, sys, time

import hnswlib
import numpy as np


def vecs(path, dtype):
    raw = np.fromfile(path, dtype=np.int32)
    dim = int(raw[0])
    return raw.reshape(-1, dim + 1)[:, 1:].copy().view(dtype)


def main():
    cfg = json.loads(sys.argv[1])
    d = cfg["dir"]
    base = vecs(d + "/base.fvecs", np.float32)
    queries = vecs(d + "/queries.fvecs", np.float32)
    truth = vecs(d + "/truth.ivecs", np.int32)[:, :10]
    n, dim = base.shape
    index = hnswlib.Index(space=cfg["space"], dim=dim)
    index.init_index(max_elements=n, ef_construction=cfg["efc"], M=cfg["m"], random_seed=cfg["seed"])
    index.set_num_threads(1)
    start = time.perf_counter()
    index.add_items(base, np.arange(cfg["first_id"], cfg["first_id"] + n))
    build = time.perf_counter() - start
    results = []
    for ef in cfg["efs"]:
        index.set_ef(ef)
        labels, _ = index.knn_query(queries, k=10)
        hit = sum(len(set(labels[i].tolist()) & set(truth[i].tolist())) for i in range(len(queries)))
        times = []
        for _ in range(cfg["repeats"]):
            t = time.perf_counter()
            index.knn_query(queries, k=10)
            times.append(time.perf_counter() - t)
        times.sort()
        results.append({"ef": ef, "recall_at_10": hit / (10 * len(queries)), "qps": len(queries) / times[len(times) // 2]})
    try:
        version = importlib.metadata.version("hnswlib")
    except importlib.metadata.PackageNotFoundError:
        version = "(version unknown)"
    print(json.dumps({"name": "hnswlib " + version,
                      "build_seconds": build, "build_per_s": n / build, "results": results}))


main()
