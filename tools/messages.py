"""Extract gettext strings into each area's own catalogue (and the project's), then compile.

Each area app owns ``<app>/locale``; ``repairnet/`` and the top-level ``templates/`` share ``locale/``.

    python tools/messages.py          # update every .po (keeps translations), compile every .mo
    python tools/messages.py --check  # exit 1 if a gettext string is missing from its catalogue
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import po  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
AREAS = ["stations", "tickets", "spares", "settlement", "inspections"]
LANG = "zh_Hans"


def run_makemessages() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "repairnet.settings", "PYTHONPATH": str(ROOT)}
    django_admin = [sys.executable, "-P", "-m", "django"]  # -P: an area's selectors.py must not shadow the stdlib
    opts = ["makemessages", "-l", LANG, "--no-obsolete", "--no-location"]
    ignores = [
        arg
        for area in [*AREAS, ".venv", "tests", "bench", "static", "tools", "staticfiles"]
        for arg in ("-i", f"{area}/*")
    ]
    subprocess.run([*django_admin, *opts, *ignores], cwd=ROOT, env=env, check=True, capture_output=True)
    for area in AREAS:
        (ROOT / area / "locale").mkdir(exist_ok=True)
        subprocess.run([*django_admin, *opts], cwd=ROOT / area, env=env, check=True, capture_output=True)


def msgids(path: Path) -> set[str]:
    return {e["msgid"] for e in po.parse(path) if e["msgid"] and not e["obsolete"]} if path.exists() else set()


def main() -> int:
    if shutil.which("xgettext") is None:
        print("GNU gettext is not installed; cannot extract strings (the committed .mo files still work).")
        return 2
    check = "--check" in sys.argv
    before = {p: p.read_bytes() for p in po.catalogues()}
    run_makemessages()
    after = po.catalogues()
    if check:
        missing = []
        for path in after:
            new = msgids(path) - (msgids_from_bytes(before[path]) if path in before else set())
            missing += [f"{path.relative_to(ROOT)}: {m!r}" for m in sorted(new)]
        for path in after:  # leave the working tree as it was
            if path in before:
                path.write_bytes(before[path])
            else:
                path.unlink()
        print("\n".join(missing) or "catalogues are up to date")
        return 1 if missing else 0
    for path in after:
        po.compile_mo(path)
    gaps = [f"{p.relative_to(ROOT)}: {x}" for p in after for x in po.problems(p)]
    print("\n".join(gaps) or "all catalogues complete")
    return 0


def msgids_from_bytes(data: bytes) -> set[str]:
    import tempfile

    with tempfile.NamedTemporaryFile("wb", suffix=".po", delete=False) as fh:
        fh.write(data)
    try:
        return msgids(Path(fh.name))
    finally:
        os.unlink(fh.name)


if __name__ == "__main__":
    sys.exit(main())
