"""Print the mutation score from ``mutmut results --all true`` (``make mutation``).

Usage: ``python bench/mutation_score.py mutation-results.txt``. A mutant counts as caught when
a test failed on it, it crashed the process (a mutated ctypes call into libsodium) or it ran
past mutmut's time limit; the score is caught / (all mutants that some test covers).
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

CAUGHT = frozenset({"killed", "segfault", "timeout"})


def main(path: str) -> None:
    statuses: collections.Counter[str] = collections.Counter()
    modules: collections.Counter[str] = collections.Counter()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name:
            continue
        statuses[status] += 1
        if status == "survived":
            modules[name.split(".x")[0]] += 1
    covered = sum(n for s, n in statuses.items() if s != "no tests")
    caught = sum(statuses[s] for s in CAUGHT)
    for status, n in sorted(statuses.items()):
        print(f"{status:>10}: {n}")
    print(f"mutation score: {caught}/{covered} = {100 * caught / max(covered, 1):.1f}%")
    for module, n in modules.most_common():
        print(f"  survivors in {module}: {n}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "mutation-results.txt")
