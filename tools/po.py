"""Tiny .po helpers (no GNU gettext needed): read a catalogue, fill translations, list gaps.

python tools/po.py fill <app>/locale/zh_Hans/LC_MESSAGES/django.po translations.json
python tools/po.py check            # every catalogue: untranslated or fuzzy entries → exit 1
python tools/po.py compile          # write the .mo next to every .po (pure Python)
"""

import ast
import json
import re
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def catalogues() -> list[Path]:
    return sorted(p for p in ROOT.glob("**/locale/*/LC_MESSAGES/django.po") if ".venv" not in p.parts)


def _unquote(lines: list[str]) -> str:
    return "".join(ast.literal_eval(line) for line in lines)


def _normalized(text: str) -> str:
    """Guarantee a blank line between entries (msgmerge sometimes omits the one after the header)."""
    out, in_msgstr = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if in_msgstr and stripped and not stripped.startswith('"') and not stripped.startswith("msgstr"):
            out.append("")
        in_msgstr = stripped.startswith("msgstr") or (in_msgstr and stripped.startswith('"'))
        out.append(line)
    return "\n".join(out) + "\n"


def parse(path: Path) -> list[dict]:
    """Entries as dicts: msgctxt, msgid, msgid_plural, msgstr (list), flags, obsolete."""
    entries, cur, key = [], None, None
    for raw in _normalized(path.read_text(encoding="utf-8")).splitlines() + [""]:
        line = raw.strip()
        if not line:
            if cur is not None and "msgid" in cur:
                entries.append(cur)
            cur, key = None, None
            continue
        cur = cur if cur is not None else {"flags": set(), "obsolete": False, "parts": {}}
        if line.startswith("#~"):
            cur["obsolete"] = True
            continue
        if line.startswith("#,"):
            cur["flags"].update(f.strip() for f in line[2:].split(","))
            continue
        if line.startswith("#"):
            continue
        m = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(".*")$', line)
        if m:
            key = m.group(1)
            cur["parts"][key] = [m.group(2)]
        elif line.startswith('"') and key:
            cur["parts"][key].append(line)
        if key == "msgid":
            cur["msgid"] = True
    result = []
    for e in entries:
        parts = {k: _unquote(v) for k, v in e["parts"].items()}
        msgstrs = [v for k, v in sorted(parts.items()) if k.startswith("msgstr")]
        result.append(
            {
                "msgctxt": parts.get("msgctxt"),
                "msgid": parts.get("msgid", ""),
                "msgid_plural": parts.get("msgid_plural"),
                "msgstr": msgstrs,
                "flags": e["flags"],
                "obsolete": e["obsolete"],
            }
        )
    return result


def problems(path: Path) -> list[str]:
    out = []
    for e in parse(path):
        if e["obsolete"] or e["msgid"] == "":
            continue
        if "fuzzy" in e["flags"]:
            out.append(f"fuzzy: {e['msgid']!r}")
        elif not all(e["msgstr"]):
            out.append(f"untranslated: {e['msgid']!r}")
    return out


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def fill(path: Path, mapping: dict[str, str]) -> int:
    """Fill empty (or fuzzy) msgstr of single-line-msgstr entries from ``mapping``; returns count filled."""
    text = _normalized(path.read_text(encoding="utf-8"))
    blocks, filled = text.split("\n\n"), 0
    for i, block in enumerate(blocks):
        lines = block.split("\n")
        ids = [j for j, ln in enumerate(lines) if ln.startswith("msgid ")]
        if not ids:
            continue
        j = ids[0]
        k = j + 1
        while k < len(lines) and lines[k].startswith('"'):
            k += 1
        msgid = _unquote([lines[j][6:], *lines[j + 1 : k]])
        if msgid not in mapping or k >= len(lines) or not lines[k].startswith("msgstr "):
            continue
        end = k + 1
        while end < len(lines) and lines[end].startswith('"'):
            end += 1
        current = _unquote([lines[k][7:], *lines[k + 1 : end]])
        fuzzy = any(ln.startswith("#,") and "fuzzy" in ln for ln in lines)
        if current and not fuzzy:
            continue
        lines[k:end] = [f"msgstr {_quote(mapping[msgid])}"]
        lines = [ln for ln in lines if not (ln.startswith("#,") and "fuzzy" in ln)] if fuzzy else lines
        lines = [ln for ln in lines if not ln.startswith("#| ")]
        blocks[i] = "\n".join(lines)
        filled += 1
    path.write_text("\n\n".join(blocks), encoding="utf-8")
    return filled


def compile_mo(po: Path) -> Path:
    """Write the .mo the way msgfmt does (sorted keys, no hash table) — enough for Python's gettext."""
    messages = {}
    for e in parse(po):
        if e["obsolete"] or "fuzzy" in e["flags"] and e["msgid"]:
            continue
        key = e["msgid"] if e["msgid_plural"] is None else e["msgid"] + "\0" + e["msgid_plural"]
        if e["msgctxt"] is not None:
            key = e["msgctxt"] + "\x04" + key
        value = "\0".join(e["msgstr"])
        if e["msgid"] and not value.replace("\0", ""):
            continue
        messages[key] = value
    keys = sorted(messages)
    ids = b"".join(k.encode() + b"\0" for k in keys)
    strs = b"".join(messages[k].encode() + b"\0" for k in keys)
    offsets, o1, o2 = [], 0, 0
    for k in keys:
        kb, vb = k.encode(), messages[k].encode()
        offsets.append((len(kb), o1, len(vb), o2))
        o1 += len(kb) + 1
        o2 += len(vb) + 1
    n = len(keys)
    keystart = 7 * 4 + 16 * n
    valuestart = keystart + len(ids)
    koffsets, voffsets = [], []
    for klen, kofs, vlen, vofs in offsets:
        koffsets += [klen, kofs + keystart]
        voffsets += [vlen, vofs + valuestart]
    output = struct.pack("Iiiiiii", 0x950412DE, 0, n, 7 * 4, 7 * 4 + n * 8, 0, 0)
    output += struct.pack(f"{len(koffsets)}i", *koffsets) + struct.pack(f"{len(voffsets)}i", *voffsets)
    mo = po.with_suffix(".mo")
    mo.write_bytes(output + ids + strs)
    return mo


def main(argv: list[str]) -> int:
    cmd = argv[1] if len(argv) > 1 else "check"
    if cmd == "fill":
        mapping = json.loads(Path(argv[3]).read_text(encoding="utf-8"))
        print(f"filled {fill(Path(argv[2]), mapping)}")
        return 0
    if cmd == "compile":
        for po in catalogues():
            print(compile_mo(po).relative_to(ROOT))
        return 0
    bad = 0
    for po in catalogues():
        for p in problems(po):
            print(f"{po.relative_to(ROOT)}: {p}")
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
