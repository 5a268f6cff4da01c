"""The ``cxlib`` command: list, validate, run, sample, student, schema.

User mistakes (a bad file, an unknown kind, a missing column, a bad argument, a
folder given as a file, an unreadable file, an output folder that is not cxlib's) end
with a message and exit code 2, never a traceback. ``run`` exits 1 when a notebook
failed, 130 when it was interrupted (Ctrl-C). Anything else is a bug in cxlib: it ends
with a one-line message and exit code 1 (set ``CXLIB_DEBUG=1`` to see the traceback).

Everything the command prints goes through :func:`printable` (standard output and error
are wrapped while it runs): control characters from a file's column names or cells reach
the terminal as visible escapes (``\\x1b``), never as escape sequences.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

from cxlib.errors import UserDataError

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Characters a terminal acts on instead of showing: C0 and C1 controls but tab and newline
(ESC starts colour, title and clear-screen sequences; CR overwrites a line), DEL, and the
bidirectional overrides that reorder what is shown."""


def printable(text: str) -> str:
    """*text* with every control character (:data:`_CONTROL`) written as its escape
    (``\\x1b``, ``\\u202e``), so that it is seen, not obeyed."""
    return _CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


class _Printable:
    """A text stream that writes :func:`printable` text to the stream it wraps."""

    def __init__(self, stream) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text))
        return len(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _kind_file(text: str) -> tuple[str, str]:
    if "=" not in text:
        raise argparse.ArgumentTypeError(
            f"expected KIND=FILE, e.g. survey=export.csv; got {text!r}")
    kind, path = text.split("=", 1)
    if not kind.strip() or not path.strip():
        raise argparse.ArgumentTypeError(
            f"expected KIND=FILE, e.g. survey=export.csv; got {text!r}")
    return kind.strip(), path.strip()


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a number of at least 1, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cxlib", description="Customer-service claims, tested with data.")
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="the claims, the notebook testing each, and the data it needs")

    v = sub.add_parser("validate", help="check a file against a data kind")
    v.add_argument("kind", help="survey, customers, transactions, contacts, visits or outlets")
    v.add_argument("file", help="CSV, Excel (.xlsx) or Parquet file")
    v.add_argument("--columns", metavar="MAPPING", help="YAML mapping file (see data/README.md)")
    v.add_argument("--drop-invalid", action="store_true",
                   help="drop rows with invalid values (counted) instead of failing")

    r = sub.add_parser("run", help="execute notebooks and write the HTML report")
    r.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                   help="names or numbers (default: all), e.g. 01 05_word_of_mouth")
    r.add_argument("--data", action="append", type=_kind_file, default=[], metavar="KIND=FILE",
                   help="your file for a data kind (repeatable); others use the sample")
    r.add_argument("--columns", metavar="MAPPING", help="YAML mapping file for your files")
    r.add_argument("--out", default="report", metavar="DIR", help="output folder (default: report)")
    r.add_argument("--drop-invalid", action="store_true",
                   help="drop rows with invalid values (counted in the report) instead of failing")
    r.add_argument("--jobs", type=_positive, default=None,
                   help="notebooks run in parallel (default 2)")
    r.add_argument("--no-evidence", action="store_true",
                   help="skip the runs on the bundled real data (done by default when no "
                        "--data is given)")
    r.add_argument("--replace", action="store_true",
                   help="write into a folder that is not cxlib's (it never deletes or "
                        "overwrites a file it did not write: one in its way is kept as "
                        "NAME.cxlib-bak)")
    r.add_argument("--slides-with-code", action="store_true",
                   help="show the code of the analysis cells in the slide decks (a teacher's "
                        "build; by default the decks show the lesson without code)")

    s = sub.add_parser("sample", help="regenerate the synthetic sample data")
    s.add_argument("--out", required=True, metavar="DIR")
    s.add_argument("--seed", type=int, default=2024)
    s.add_argument("--size", type=_positive, default=None,
                   help="respondents/customers (default: the bundled sizes)")
    s.add_argument("--replace", action="store_true",
                   help="overwrite files of the same names that differ")

    st = sub.add_parser("student", help="write student notebooks (solutions removed)")
    st.add_argument("--out", required=True, metavar="DIR")
    st.add_argument("--replace", action="store_true",
                    help="overwrite notebooks of the same names that differ (a student's "
                         "answers among them)")

    sc = sub.add_parser("schema", help="print the columns of the data kinds")
    sc.add_argument("kind", nargs="?", help="one kind (default: all)")
    sc.add_argument("--markdown", action="store_true", help="as the tables of data/README.md")
    return parser


def cmd_list() -> int:
    from cxlib.app.catalogue import available
    from cxlib.registry.claims import claims

    have = {p.stem for p in available()}
    print(f"{'claim':<7} {'notebook':<44} {'data kinds':<20} title")
    for c in claims().values():
        book = c.notebook if c.notebook in have else f"{c.notebook} (planned)"
        print(f"{c.id:<7} {book:<44} {', '.join(c.kinds):<20} {c.title}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from cxlib.data.datasets import load_data

    ds = load_data(args.kind, args.file, args.columns, drop_invalid=args.drop_invalid)
    print(ds.report.summary())
    print("OK: the file can be used." if ds.report.rows_kept else
          "No usable rows remain.")
    return 0 if ds.report.rows_kept else 2


def cmd_run(args: argparse.Namespace) -> int:
    from cxlib.app.runner import run
    from cxlib.data.schemas import get_kind

    data = dict(args.data)
    for kind in data:
        get_kind(kind)
    if len(data) != len(args.data):
        twice = sorted({k for k, _ in args.data if [x for x, _ in args.data].count(k) > 1})
        raise UserDataError(f"--data gives more than one file for {', '.join(twice)}; give one "
                            "file per data kind.")
    if args.columns and not data:
        raise UserDataError("--columns maps the columns of your files, but no file was given "
                            "with --data KIND=FILE; without one every notebook uses the sample.")
    done = run(args.notebooks, data=data, columns=args.columns, out=args.out,
               drop_invalid=args.drop_invalid, jobs=args.jobs,
               evidence=False if args.no_evidence else None, replace=args.replace,
               slides_with_code=args.slides_with_code)
    return 0 if all(r.ok for r in done) else 1


def cmd_sample(args: argparse.Namespace) -> int:
    from pathlib import Path

    from cxlib.app.outdir import write_files
    from cxlib.data.sample import write_samples

    kinds: dict[str, Path] = {}
    _, replaced = write_files(
        args.out, lambda tmp: kinds.update(write_samples(tmp, seed=args.seed, size=args.size)),
        replace=args.replace)
    for kind, path in kinds.items():
        print(f"{kind:<13} {Path(args.out) / path.name}")
    _say_replaced(replaced)
    return 0


def cmd_student(args: argparse.Namespace) -> int:
    from cxlib.app.outdir import write_files
    from cxlib.app.teaching import write_student_versions

    books: list = []
    _, replaced = write_files(args.out, lambda tmp: books.extend(
        write_student_versions(tmp)), replace=args.replace)
    print(f"{len(books)} student notebooks (solutions removed) in {args.out}")
    _say_replaced(replaced)
    return 0


def _say_replaced(replaced: list) -> None:
    if replaced:
        print(f"replaced (--replace): {', '.join(p.name for p in replaced)}")


def cmd_schema(args: argparse.Namespace) -> int:
    from cxlib.data.schemas import KINDS, all_markdown, get_kind, markdown
    from cxlib.registry.claims import column_claims

    kinds = [get_kind(args.kind)] if args.kind else list(KINDS.values())
    if args.markdown:
        uses = column_claims()
        print(markdown(kinds[0], uses) if args.kind else all_markdown(uses))
        return 0
    for k in kinds:
        print(f"{k.name}: {k.description}")
        for f in k.fields:
            need = "required" if f.required else ""
            print(f"  {f.name:<20} {f.type:<9} {need:<9} {f.description}")
        for p in k.items:
            print(f"  {p.example + ' …':<20} rating              {p.description}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """The ``cxlib`` command (see the module docstring); returns the exit code."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Printable(sys.stdout), _Printable(sys.stderr)
    try:
        return _main(argv)
    finally:
        sys.stdout, sys.stderr = saved


def _main(argv: Sequence[str] | None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as done:  # argparse has printed the usage and the problem (or --help)
        return done.code if isinstance(done.code, int) else 2
    handlers = {"list": lambda: cmd_list(), "validate": lambda: cmd_validate(args),
                "run": lambda: cmd_run(args), "sample": lambda: cmd_sample(args),
                "schema": lambda: cmd_schema(args), "student": lambda: cmd_student(args)}
    try:
        return handlers[args.command]()
    except UserDataError as err:
        print(f"error: {err.message}", file=sys.stderr)
        return 2
    except OSError as err:  # a folder where a file was expected, no permission, disk full …
        from cxlib.app.disk import DiskFull

        if isinstance(err, DiskFull):
            print(f"error: {err.message}", file=sys.stderr)
            return 2
        where = f"{err.filename}: " if err.filename else ""
        print(f"error: {where}{err.strerror or err}. Check the path and that you may read "
              "and write there.", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:  # Ctrl-C; a run says what it left behind
        print(getattr(err, "message", "interrupted"), file=sys.stderr)
        return 130
    except Exception as err:
        if os.environ.get("CXLIB_DEBUG"):
            raise
        print(f"error: an unexpected problem in cxlib ({type(err).__name__}: {err}). This is a "
              "bug: please report it with the command you ran (CXLIB_DEBUG=1 shows the "
              "traceback).", file=sys.stderr)
        return 1
