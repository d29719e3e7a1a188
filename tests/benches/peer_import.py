"""The peer of `cargo bench --bench import`: the script a clerk's IT person would write to load the
same generated register into SQLite — pandas reading the sheet with python-calamine, already told
where the header is, and `to_sql` writing the rows. No checks, no history, no report.

Usage: python3 peer_import.py WORKBOOK SQLITE_FILE
Prints «RESULT seconds rows peak_kb» as the benchmark's own children do.
"""
import resource
import sqlite3
import sys
import time

import pandas as pd

COLUMNS = [
    "stt", "code", "name", "category", "unit", "unit_of_measure", "quantity", "acquired_on",
    "cost_state", "cost_other", "location", "condition", "year_made", "note",
]


def main():
    path, db = sys.argv[1], sys.argv[2]
    started = time.perf_counter()
    # The title block and the merged two-row header take rows 1–6: the data starts at row 7.
    frame = pd.read_excel(path, engine="calamine", header=None, skiprows=6, names=COLUMNS)
    conn = sqlite3.connect(db)
    frame.to_sql("assets", conn, if_exists="replace", index=False, chunksize=10_000)
    conn.commit()
    conn.close()
    elapsed = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"RESULT {elapsed} {len(frame)} {peak_kb}")


if __name__ == "__main__":
    main()
