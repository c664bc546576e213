"""Fill Vietnamese translations into ocop_app/translations/vi/LC_MESSAGES/messages.po.

Usage: python tools/fill_vi.py            (reads every tools/vi/*.tsv)
Each TSV line: English msgid <TAB> Vietnamese text. One TSV per area (core, evaluation,
training, public, …) so that parallel work does not collide; the .po file is generated.
The tables are the source of truth: an entry they name is always set from them.
"""

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

PO = Path(__file__).resolve().parent.parent / "ocop_app/translations/vi/LC_MESSAGES/messages.po"


def main() -> None:
    table = {}
    for tsv in sorted((Path(__file__).parent / "vi").glob("*.tsv")):
        for line in tsv.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                en, vi = line.split("\t", 1)
                table[en] = vi
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="vi")
    missing = []
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        current = message.string
        empty = (not any(current)) if isinstance(current, tuple) else not current
        if key not in table and not empty and not message.fuzzy:
            continue  # kept in the catalog only (no table line): leave it
        if key not in table:
            missing.append(key)
            continue
        vi = table[key]
        message.string = tuple([vi.split(" || ")[0]]) if isinstance(message.id, tuple) else vi
        message.flags.discard("fuzzy")
    with PO.open("wb") as fh:
        write_po(fh, catalog, width=100)
    if missing:
        print("untranslated:", *missing, sep="\n  ")
        sys.exit(1)


if __name__ == "__main__":
    main()
