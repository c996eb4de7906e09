"""A copy of the project whose mutmut configuration is another set (``make mutation-verifier``).

Usage: ``python bench/mutation_tree.py SET DIR``. mutmut reads one ``[tool.mutmut]`` table; the
verifier's mutants need their own (other modules, other tests, the honest record kept between
mutants), so this copies the files git tracks into ``DIR``, drops ``[tool.mutmut]`` from the
copy's ``pyproject.toml`` and writes the set ``[tool.plebiscite.mutation.SET]`` as the copy's
``setup.cfg`` ``[mutmut]`` section. ``DIR`` is emptied first.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(name: str, out: Path) -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    sets = tomllib.loads(text)["tool"]["plebiscite"]["mutation"]
    if name not in sets:
        sys.exit(f"error: no mutation set {name!r} in pyproject.toml (sets: {sorted(sets)})")
    if out.exists():
        shutil.rmtree(out)
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    for raw in listed:
        path = raw.decode()
        if path and (ROOT / path).is_file():
            (out / path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / path, out / path)
    native = ROOT / "src/plebiscite/crypto/native/_vartime.so"
    if native.exists():
        shutil.copy2(native, out / native.relative_to(ROOT))
    kept = re.sub(r"(?ms)^\[tool\.mutmut\]\n.*?(?=^\[|\Z)", "", text)
    (out / "pyproject.toml").write_text(kept, encoding="utf-8")
    lines = ["[mutmut]"]
    for key, value in sets[name].items():
        if isinstance(value, list):
            lines.append(f"{key} =")
            lines.extend(f"    {item}" for item in value)
        else:
            lines.append(f"{key} = {value}")
    (out / "setup.cfg").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"mutation set {name!r} in {out}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python bench/mutation_tree.py SET DIR")
    main(sys.argv[1], Path(sys.argv[2]))
