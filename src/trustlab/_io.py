"""Reading data sets named on the command line or in a review.

What counts as missing in a CSV file
------------------------------------
A CSV file holds only text, so the reader decides which cells are missing:

* In a column of numbers, an empty cell and each marker of
  :data:`MISSING_MARKERS` (pandas' defaults: ``NA``, ``N/A``, ``NaN``,
  ``null``, ``None``, ...) are missing. A column is one of numbers when every
  cell that is not a marker reads as a number (or as ``True``/``False``); a
  column holding nothing but markers and empty cells is missing throughout.
* In a column of text, only an empty cell is missing: ``NA`` (Namibia),
  ``None`` or ``null`` are values, kept as written.
* The policy's row key (``columns.id``) and every column the policy compares
  with text (``grade == "A"``, ``zip in ["007"]``, a text ``bad_when``, the
  recorded reviewer decisions) are read as text, so ``007`` stays ``"007"``
  rather than becoming 7.

Both marker sets can be changed: ``read_data(path, na_values=..., text_na_values=...)``.
Parquet files carry their own types and missing values; they are read as written.

Where the data may be
---------------------
Every reader of the kit takes a path (``str`` or :class:`pathlib.Path`) or an
fsspec URL (``file://``, ``memory://``, ``s3://``, ``gs://``, ``az://``, ...;
:func:`locate`), naming a CSV file, a Parquet file or a folder of Parquet
files. A folder is read with :mod:`pyarrow.dataset` (:func:`parquet_parts`):
its ``.parquet`` files (also ``.pq``, ``.parq``) in sorted path order, files
and folders whose name starts with ``.`` or ``_`` left out (``_SUCCESS``,
``.ipynb_checkpoints``), and hive partition folders (``region=north/``)
kept as columns.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from ._errors import DataError, Problem

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

__all__ = ["read_data", "locate", "open_input", "parquet_parts", "Location",
           "ParquetParts", "MISSING_MARKERS", "TEXT_MISSING_MARKERS", "PARQUET_SUFFIXES"]

PARQUET_SUFFIXES: tuple[str, ...] = (".parquet", ".pq", ".parq")
"""File name endings read as Parquet, in a folder or named alone."""

_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)(://|::)")

MISSING_MARKERS: tuple[str, ...] = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)
"""Cells that are missing in a CSV column of numbers (pandas' default markers)."""

TEXT_MISSING_MARKERS: tuple[str, ...] = ("",)
"""Cells that are missing in a CSV column of text: only the empty cell."""

_TRUE, _FALSE = frozenset({"True", "TRUE", "true"}), frozenset({"False", "FALSE", "false"})


class ReadsText(Protocol):
    """What :func:`read_data` needs of a policy: the columns it reads as text."""

    @property
    def text_columns(self) -> tuple[str, ...]: ...


def read_data(path: str | os.PathLike, *, policy: ReadsText | None = None,
              text_columns: Iterable[str] = (), na_values: Iterable[str] = MISSING_MARKERS,
              text_na_values: Iterable[str] = TEXT_MISSING_MARKERS) -> pd.DataFrame:
    """Read a CSV file, a Parquet file, or a folder of Parquet files, from a path or a URL.

    Parameters
    ----------
    path : str or os.PathLike
        A ``.csv`` (or ``.csv.gz``, ``.txt``) file, a ``.parquet`` file or a
        folder of Parquet files (:func:`parquet_parts`): a path, or an fsspec
        URL such as ``s3://bucket/history/``, ``gs://...``, ``file:///...``
        or ``memory://...`` (:func:`locate`).
    policy : trustlab.policy.Policy, optional
        The policy the data is for: its row key and the columns it compares
        with text are read from a CSV as text (:attr:`Policy.text_columns <trustlab.policy.Policy.text_columns>`).
    text_columns : iterable of str, optional
        More CSV columns to read as text.
    na_values : iterable of str, default :data:`MISSING_MARKERS`
        Cells that are missing in a CSV column of numbers.
    text_na_values : iterable of str, default :data:`TEXT_MISSING_MARKERS`
        Cells that are missing in a CSV column of text (by default only
        the empty cell: ``NA`` and ``None`` are text).

    Returns
    -------
    pandas.DataFrame
        A folder's hive partition keys (``region=north/``) are columns after
        the files' own, typed as pyarrow infers them: ``int32`` for whole
        numbers, text otherwise, missing for ``__HIVE_DEFAULT_PARTITION__``.

    Raises
    ------
    trustlab.DataError
        Naming the file or URL when it is missing, empty, of another format
        or unreadable, when a URL's scheme needs a package that is not
        installed (``pip install s3fs``), or when a partition key is also a
        column of the files.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = f.write_text("key,country,score\\n007,NA,0.5\\n0123,DE,NA\\n0124,,\\n")
    >>> d = read_data(f, text_columns=["key"])
    >>> d["key"].tolist(), d["country"].tolist(), d["score"].tolist()
    (['007', '0123', '0124'], ['NA', 'DE', nan], [0.5, nan, nan])
    >>> read_data(f.as_uri(), text_columns=["key"]).equals(d)
    True

    A hive-partitioned folder keeps its partition column:

    >>> folder = f.parent / "history"
    >>> import pandas as pd
    >>> pd.DataFrame({"x": [1, 2, 3], "region": ["n", "s", "n"]}).to_parquet(
    ...     folder, partition_cols=["region"])
    >>> read_data(folder).sort_values("x")[["x", "region"]].values.tolist()
    [[1, 'n'], [2, 's'], [3, 'n']]
    """
    loc = locate(path)
    source = f"Data file '{loc.given}'"
    name = PurePosixPath(loc.path).name.lower()
    try:
        if not _exists(loc):
            raise loc.missing(source)
        if loc.fs.isdir(loc.path) or name.endswith(PARQUET_SUFFIXES):
            return parquet_parts(loc).read()
        if name.endswith((".csv", ".txt", ".csv.gz")):
            text = set(text_columns) | set(policy.text_columns if policy is not None else ())
            return _read_csv(loc, text, frozenset(na_values), list(text_na_values))
    except DataError:
        raise
    except Exception as exc:  # parsers raise many types; name the file and the cause
        raise DataError(source, [Problem("(file)", f"cannot be read: {type(exc).__name__}: "
                                                   f"{exc}")]) from None
    raise DataError(source, [Problem("(file)", f"has suffix '{PurePosixPath(name).suffix}'; "
                                               "give a .csv or .parquet file, or a folder of "
                                               "Parquet files")])


def _csv_input(loc: Location):
    """What pandas reads a CSV from: a local path, or a file opened by fsspec."""
    if not loc.url:
        return loc.path
    return loc.fs.open(loc.path, "rb", compression="infer")


def _read_csv(loc: Location, text: set[str], markers: frozenset[str],
              text_markers: list[str]) -> pd.DataFrame:
    """Read ``loc`` with only ``text_markers`` missing, then turn each column not in ``text``
    whose other cells are all numbers (or booleans) into numbers with ``markers`` missing."""
    header = _read_csv_at(loc, nrows=0).columns
    data = _read_csv_at(loc, dtype={c: str for c in header if c in text}, keep_default_na=False,
                        na_values=text_markers)
    for column in data.columns:
        values = data[column]
        if column in text or pd.api.types.is_numeric_dtype(values.dtype) \
                or pd.api.types.is_bool_dtype(values.dtype):
            continue
        seen = pd.Series(pd.unique(values.dropna()), dtype=object)
        is_marker = seen.isin(list(markers)).to_numpy()
        if not is_marker.any():
            continue  # text without markers: pandas already read it as written
        rest = seen[~is_marker]
        missing = values.isin(list(markers)).to_numpy()
        if len(rest) and rest.isin(list(_TRUE | _FALSE)).all():
            flags = values.isin(list(_TRUE)).to_numpy(dtype=object)
            flags[missing] = np.nan  # as pandas reads booleans with missing cells
            data[column] = flags
        elif not len(rest) or pd.to_numeric(rest, errors="coerce").notna().all():
            data[column] = pd.to_numeric(values.where(~missing), errors="coerce")
    return data


def _read_csv_at(loc: Location, **options) -> pd.DataFrame:
    source = _csv_input(loc)
    if isinstance(source, str):
        return pd.read_csv(source, **options)
    with source as handle:
        return pd.read_csv(handle, **options)


# -- where data is: paths and URLs -----------------------------------------------------------

def is_url(path: object) -> bool:
    """True for an fsspec URL: a string ``scheme://...`` (or a chain ``a::b://...``).

    Examples
    --------
    >>> is_url("s3://bucket/h.parquet"), is_url("memory://h"), is_url("data/h.csv")
    (True, True, False)
    """
    match = _URL.match(path) if isinstance(path, str) else None
    return match is not None and len(match.group(1)) > 1  # 'C://' is a drive, not a scheme


@dataclass(frozen=True)
class Location:
    """A path or URL resolved to an fsspec filesystem and a path on it (:func:`locate`).

    Attributes
    ----------
    fs : fsspec.AbstractFileSystem
    path : str
        The path on ``fs`` (absolute for a local path).
    given : str
        As the user named it, for messages.
    url : bool
        True when named by a URL.
    """

    fs: Any
    path: str
    given: str
    url: bool

    def shown(self, path: str) -> str:
        """``path`` (on :attr:`fs`) as the user would name it: a URL when named by one."""
        return self.fs.unstrip_protocol(path) if self.url else path

    def missing(self, source: str, expected: str | None = None) -> DataError:
        """The error for a path or URL that names nothing; ``expected`` says what it should be."""
        if self.url:
            what = "does not exist; check the URL"
        else:
            what = (f"does not exist (looked in {Path(self.given).resolve().parent}); check the "
                    "path")
        if expected is not None:
            what = f"is neither {expected}: it {what}"
        return DataError(source, [Problem("(path)" if expected else "(file)", what)])


def locate(path: str | os.PathLike | Location, *, noun: str = "Data") -> Location:
    """Where ``path`` is: a local path, or an fsspec URL resolved with ``fsspec.core.url_to_fs``.

    Parameters
    ----------
    path : str, os.PathLike or Location
        A path, or a URL such as ``s3://bucket/history/`` (needs ``s3fs``),
        ``gs://...`` (``gcsfs``), ``az://...`` (``adlfs``), ``file:///...``,
        ``memory://...``; options such as credentials come from the
        filesystem's own configuration (environment variables, config files).
    noun : str
        Leads the title of an error (``"Data"`` gives ``Data 's3://...'``).

    Returns
    -------
    Location

    Raises
    ------
    trustlab.DataError
        For a scheme fsspec does not know, or whose package is not
        installed (naming the package to ``pip install``).

    Examples
    --------
    >>> loc = locate("memory://trustlab-doc/h.parquet")
    >>> type(loc.fs).__name__, loc.path, loc.url
    ('MemoryFileSystem', '/trustlab-doc/h.parquet', True)
    >>> locate("nosuchscheme://bucket/h.parquet")
    Traceback (most recent call last):
    ...
    trustlab._errors.DataError: Data 'nosuchscheme://bucket/h.parquet': (url): has the scheme 'nosuchscheme://', which fsspec does not know; give a path, or a URL such as file://, memory://, s3:// (pip install s3fs), gs:// (pip install gcsfs) or az:// (pip install adlfs)
    """
    if isinstance(path, Location):
        return path
    if not isinstance(path, (str, os.PathLike)):
        raise DataError(noun, [Problem("(path)", f"must be a path or a URL; got "
                                                 f"{type(path).__name__}")])
    import fsspec.core

    if not is_url(path):
        given = str(Path(path))
        fs, on = fsspec.core.url_to_fs(os.fspath(path))
        return Location(fs, on, given, False)
    source = f"{noun} '{path}'"
    try:
        fs, on = fsspec.core.url_to_fs(path)
    except (ImportError, ValueError) as exc:  # a scheme without its package, or unknown
        raise DataError(source, [_scheme_problem(path, exc)]) from None
    except Exception as exc:  # a filesystem refusing its options or credentials
        raise DataError(source, [Problem("(url)", f"cannot be opened: {type(exc).__name__}: "
                                                  f"{exc}")]) from None
    return Location(fs, on, path, True)


def _schemes(url: str) -> list[str]:
    """The schemes of a URL, outermost first: ``simplecache::s3://b/k`` gives both."""
    return [piece.split("://")[0] for piece in url.split("::")]


def _scheme_problem(url: str, exc: Exception) -> Problem:
    """Why fsspec cannot open ``url``: a scheme it does not know, or one whose package is not
    installed (and how to install it)."""
    import fsspec
    from fsspec.registry import known_implementations

    for scheme in _schemes(url):
        try:
            fsspec.get_filesystem_class(scheme)
        except ImportError:
            known = known_implementations.get(scheme, {})
            package = str(known.get("class", scheme)).split(".")[0]
            if package == "fsspec":  # a built-in filesystem needing extra packages
                return Problem("(url)", f"'{scheme}://' URLs need packages that are not "
                                        f"installed: {known.get('err', exc)}")
            package = package.replace("_", "-")
            return Problem("(url)", f"'{scheme}://' URLs are read with the package '{package}',"
                                    f" which is not installed; install it: pip install {package}")
        except ValueError:
            return Problem("(url)", f"has the scheme '{scheme}://', which fsspec does not know; "
                                    "give a path, or a URL such as file://, memory://, s3:// "
                                    "(pip install s3fs), gs:// (pip install gcsfs) or az:// "
                                    "(pip install adlfs)")
    return Problem("(url)", f"cannot be opened: {exc}")


def _exists(loc: Location) -> bool:
    return bool(loc.fs.exists(loc.path))


def open_input(path: str | os.PathLike | Location):
    """``path`` (a path or URL) opened for reading bytes, as a context manager.

    A missing file raises ``FileNotFoundError``, as :func:`open` does; a URL
    whose scheme cannot be read raises :class:`~trustlab.DataError`.

    Examples
    --------
    >>> import fsspec
    >>> with fsspec.open("memory://trustlab-doc/a.txt", "wb") as f:
    ...     _ = f.write(b"hello")
    >>> with open_input("memory://trustlab-doc/a.txt") as f:
    ...     f.read()
    b'hello'
    >>> fsspec.filesystem("memory").rm("/trustlab-doc", recursive=True)
    """
    loc = locate(path)
    return loc.fs.open(loc.path, "rb")


# -- Parquet files and folders ---------------------------------------------------------------

@dataclass(frozen=True)
class ParquetParts:
    """A Parquet file, or a folder of them: the files in reading order, each with its hive
    partition values (:func:`parquet_parts`).

    Attributes
    ----------
    location : Location
        The file or folder.
    files : tuple of str
        Paths on ``location.fs``, in reading order (sorted by path).
    keys : tuple of dict
        Per file, the values of its hive partition folders
        (``{"region": "north"}``); a key absent from a file's dict is missing
        in that file's rows.
    partitioning : pyarrow.Schema
        The partition columns and the types pyarrow inferred for them
        (``int32`` for whole numbers, ``string`` otherwise); empty for a file
        or a folder without ``key=value`` folders.
    """

    location: Location
    files: tuple[str, ...]
    keys: tuple[dict[str, Any], ...]
    partitioning: pa.Schema

    @property
    def source(self) -> str:
        """The title of this data's errors."""
        return f"Data '{self.location.given}'"

    @property
    def names(self) -> tuple[str, ...]:
        """The partition columns."""
        return tuple(self.partitioning.names)

    def shown(self, i: int) -> str:
        """File ``i`` as the user would name it."""
        return self.location.shown(self.files[i])

    def check_columns(self, i: int, columns: Sequence[str]) -> None:
        """Refuse a partition key that file ``i`` (with ``columns``) also holds as a column."""
        both = [k for k in self.names if k in set(columns)]
        if both:
            raise DataError(self.source, [Problem(
                "(partitions)", f"the partition key '{k}' (folder '{k}=...') is also a column "
                                f"of the file '{self.shown(i)}'; keep one of them: drop the "
                                f"column from the files or rename the '{k}=' folders")
                for k in both])

    def with_keys(self, i: int, data, columns: Sequence[str] | None = None):
        """An Arrow table or record batch of file ``i`` with its partition columns appended."""
        import pyarrow as pa

        at = pa.array(np.zeros(data.num_rows, dtype=np.int64))
        for field in self.partitioning:
            if columns is None or field.name in columns:
                value = pa.array([self.keys[i].get(field.name)], type=field.type)
                data = data.append_column(field, value.take(at))
        return data

    def file_columns(self, i: int, names: Sequence[str],
                     columns: Sequence[str] | None) -> list[str] | None:
        """The columns to read from file ``i`` (whose columns are ``names``) for ``columns``."""
        self.check_columns(i, names)
        if columns is None:
            return None
        lacking = [c for c in columns if c not in names and c not in self.names]
        if lacking:
            raise DataError(f"Data '{self.shown(i)}'", [Problem(
                "(columns)", f"lacks {', '.join(map(repr, lacking))}; it has "
                             f"{', '.join([*names, *self.names])}")])
        return [c for c in columns if c not in self.names]

    def open(self, i: int):
        """File ``i`` as a :class:`pyarrow.parquet.ParquetFile` (a context manager)."""
        import pyarrow.parquet as pq

        return pq.ParquetFile(self.files[i], filesystem=self.location.fs)

    def iter_batches(self, batch_rows: int, columns: Sequence[str] | None = None
                     ) -> Iterator[pd.DataFrame]:
        """Every batch of at most ``batch_rows`` rows, in order, with the partition columns;
        one batch (and one row group) in memory at a time."""
        for i in range(len(self.files)):
            with self.open(i) as pf:
                wanted = self.file_columns(i, pf.schema_arrow.names, columns)
                for batch in pf.iter_batches(batch_size=batch_rows, columns=wanted):
                    yield self.with_keys(i, batch, columns).to_pandas()

    def read_file(self, i: int, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """File ``i`` whole, with its partition columns."""
        with self.open(i) as pf:
            wanted = self.file_columns(i, pf.schema_arrow.names, columns)
            return self.with_keys(i, pf.read(columns=wanted), columns).to_pandas()

    def rows(self) -> int:
        """Rows in all the files, from their footers."""
        total = 0
        for i in range(len(self.files)):
            with self.open(i) as pf:
                total += pf.metadata.num_rows
        return total

    def empty(self) -> pd.DataFrame:
        """No rows, with the first file's columns and the partition columns, typed."""
        with self.open(0) as pf:
            return self.with_keys(0, pf.schema_arrow.empty_table()).to_pandas()

    def dataset(self):
        """A :class:`pyarrow.dataset.Dataset` of the files in order, its schema unified over
        all of them (a column in some files only is missing in the others; types widened,
        e.g. int8 and int16 category codes), hive partition columns kept."""
        import pyarrow as pa
        import pyarrow.dataset as ds

        found = self._discover()
        fragments = list(found.get_fragments())
        schemas = [f.physical_schema for f in fragments]
        for i, schema in enumerate(schemas):
            self.check_columns(i, schema.names)
        try:
            schema = pa.unify_schemas([*schemas, self.partitioning], promote_options="permissive")
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise DataError(self.source, [Problem("(files)", f"disagree on a column's type "
                                                             f"({exc}); write them with one "
                                                             "type per column")]) from None
        return ds.FileSystemDataset(fragments, schema, found.format, found.filesystem)

    def read(self, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """All the files as one frame, in order, with the partition columns."""
        columns = None if columns is None else list(columns)
        return self.dataset().to_table(columns=columns).to_pandas()

    def _discover(self):
        import pyarrow.dataset as ds

        base = None if len(self.files) == 1 and self.files[0] == self.location.path \
            else self.location.path.rstrip("/")
        return ds.dataset(list(self.files), filesystem=self.location.fs, format="parquet",
                          partitioning="hive" if base is not None else None,
                          partition_base_dir=base)


def parquet_parts(path: str | os.PathLike | Location) -> ParquetParts:
    """A Parquet file or folder (a path or URL) as :class:`ParquetParts`.

    A folder is read through :func:`pyarrow.dataset.dataset` with
    ``partitioning="hive"``: its Parquet files (:data:`PARQUET_SUFFIXES`) at
    any depth in sorted path order, names starting with ``.`` or ``_`` left
    out, and every ``key=value`` folder on a file's path a column of its
    rows, typed as pyarrow infers it (``int32`` for whole numbers, text
    otherwise; ``__HIVE_DEFAULT_PARTITION__`` is missing).

    Raises
    ------
    trustlab.DataError
        For a path that names nothing, a file that is not Parquet, a folder
        without Parquet files, or a URL that cannot be read (:func:`locate`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"x": [1, 2], "year": [2024, 2025]}).to_parquet(
    ...     folder, partition_cols=["year"])
    >>> parts = parquet_parts(folder)
    >>> len(parts.files), parts.keys, str(parts.partitioning.field("year").type)
    (2, ({'year': 2024}, {'year': 2025}), 'int32')
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    loc = locate(path)
    source = f"Data '{loc.given}'"
    expected = "a Parquet file nor a folder of them"
    try:
        if not _exists(loc):
            raise loc.missing(source, expected)
        folder = loc.fs.isdir(loc.path)
    except DataError:
        raise
    except Exception as exc:  # a remote store refusing access
        raise DataError(source, [Problem("(path)", f"cannot be reached: {type(exc).__name__}: "
                                                   f"{exc}")]) from None
    if not folder:
        suffix = PurePosixPath(loc.path).suffix
        if suffix.lower() not in PARQUET_SUFFIXES:
            raise DataError(source, [Problem("(file)", f"has suffix '{suffix}'; histories read "
                                                       "in parts are Parquet (write it with "
                                                       "DataFrame.to_parquet)")])
        return ParquetParts(loc, (loc.path,), ({},), pa.schema([]))
    files, others = _folder_files(loc)
    if not files:
        raise DataError(source, [Problem("(folder)", _no_parquet(others))])
    names = _partition_keys(loc.path, files)
    parts = ParquetParts(loc, tuple(files), tuple({} for _ in files),
                         pa.schema([pa.field(k, pa.string()) for k in names]))
    if not names:
        return parts
    with parts.open(0) as first:  # before pyarrow merges the key into the file's schema
        parts.check_columns(0, first.schema_arrow.names)
    found = parts._discover()
    keys = tuple(ds.get_partition_keys(f.partition_expression) or {}
                 for f in found.get_fragments())
    schema = pa.schema([found.partitioning.schema.field(k) for k in names])
    return ParquetParts(loc, tuple(files), keys, schema)


def _partition_keys(root: str, files: Sequence[str]) -> list[str]:
    """The hive partition keys on the files' paths below ``root`` (``key=value`` folders)."""
    from urllib.parse import unquote

    keys: dict[str, None] = {}
    for f in files:
        for folder in PurePosixPath(f[len(root.rstrip("/")):]).parent.parts:
            if "=" in folder:
                keys.setdefault(unquote(folder.split("=", 1)[0]))
    return list(keys)


def _folder_files(loc: Location) -> tuple[list[str], list[str]]:
    """The Parquet files under a folder in sorted path order, and the other files' names."""
    root = loc.path.rstrip("/")
    files, others = [], []
    for f in loc.fs.find(root):
        rel = PurePosixPath(f[len(root):].lstrip("/") if f.startswith(root) else f)
        if any(p.startswith((".", "_")) for p in rel.parts):
            continue
        (files if rel.suffix.lower() in PARQUET_SUFFIXES else others).append(f)
    return sorted(files, key=lambda f: PurePosixPath(f).parts), sorted(others)


def _no_parquet(others: list[str]) -> str:
    if not others:
        return ("is empty: it holds no Parquet files (.parquet); give a folder of Parquet files "
                "(write one with DataFrame.to_parquet)")
    names = ", ".join(repr(PurePosixPath(f).name) for f in others[:3])
    return (f"holds no Parquet files (.parquet, .pq, .parq), only {len(others)} other file(s) "
            f"({names}{', ...' if len(others) > 3 else ''}); give a folder of Parquet files, "
            "or name a CSV file itself")
