#!/usr/bin/env python3
"""Reference oracle for Linli's dense assignment solver (crates/core/src/assign/lap.rs).

Usage:
  scipy_lsa.py FILE            FILE is JSON {"instances": [{"n_rows": r, "n_cols": c,
                               "scores": [row-major floats]}, ...]}; prints
                               {"totals": [...]} with the maximum total score of each instance,
                               computed by scipy.optimize.linear_sum_assignment(maximize=True).
  scipy_lsa.py --time N FILE   FILE holds one instance; solves it N times and prints
                               {"median_seconds": s, "runs": N, "total": t} (loading excluded).

Exit status 3 with a message on stderr when scipy is missing.
"""
import json
import statistics
import sys
import time

try:
    import numpy as np
    from scipy.optimize import linear_sum_assignment
except ImportError as error:  # pragma: no cover - environment problem
    sys.stderr.write(
        f"scipy is not available ({error}); run `pip install scipy` (it brings numpy)\n"
    )
    sys.exit(3)


def load(path):
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    matrices = []
    for instance in data["instances"]:
        matrix = np.asarray(instance["scores"], dtype=np.float64)
        matrices.append(matrix.reshape(instance["n_rows"], instance["n_cols"]))
    return matrices


def best_total(matrix):
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    return float(matrix[rows, cols].sum())


def main(argv):
    if len(argv) == 4 and argv[1] == "--time":
        runs = int(argv[2])
        matrix = load(argv[3])[0]
        timings = []
        total = None
        for _ in range(runs):
            began = time.perf_counter()
            total = best_total(matrix)
            timings.append(time.perf_counter() - began)
        print(json.dumps({"median_seconds": statistics.median(timings), "runs": runs, "total": total}))
        return 0
    if len(argv) == 2:
        print(json.dumps({"totals": [best_total(m) for m in load(argv[1])]}))
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
