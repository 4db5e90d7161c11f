"""Write the intersphinx inventories the docs build reads instead of downloading them.

The build runs without network access, so ``docs/conf.py`` points intersphinx at the
files written here (``python.inv``, ``numpy.inv``, ...) while the links in
the built pages go to the real documentation sites. Each inventory holds the objects
the docs reference, with the page and anchor they have on the real site.

When a docstring or type hint references a new external object, the nitpicky build
(``sphinx-build -n``) reports it as an unresolved reference: add it to a table below
and run::

    python docs/_inventories/make_inventories.py

The files use Sphinx's inventory format version 2: four header lines, then
zlib-compressed lines ``name domain:role priority uri display-name``, where a ``$``
at the end of ``uri`` stands for ``name`` and a display name ``-`` means ``name``.
"""

from __future__ import annotations

import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Each table line is ``page role name...``: objects of type ``role`` documented on
# ``page`` of the real site, each under an anchor equal to its name. ``name=anchor``
# gives another anchor (e.g. for the private path a type hint resolves to).
# ``{name}`` in the page stands for the object's name, for sites with a page per
# object. Repeat the page on a new line to continue a list.

#: Python's standard library, https://docs.python.org/3/
PYTHON = """
library/functions.html          py:class      bool float int object property slice type
library/functions.html          py:function   callable isinstance iter len staticmethod
library/stdtypes.html           py:class      bytes dict frozenset list range set str tuple
library/constants.html          py:data       None True False Ellipsis NotImplemented
library/exceptions.html         py:exception  ArithmeticError AssertionError AttributeError BaseException
library/exceptions.html         py:exception  DeprecationWarning Exception FileNotFoundError
library/exceptions.html         py:exception  FloatingPointError ImportError IndexError KeyError
library/exceptions.html         py:exception  KeyboardInterrupt LookupError
library/exceptions.html         py:exception  ModuleNotFoundError NotImplementedError OSError RuntimeError
library/exceptions.html         py:exception  RuntimeWarning StopIteration TypeError UserWarning ValueError
library/exceptions.html         py:exception  Warning ZeroDivisionError
library/argparse.html           py:class      argparse.ArgumentParser argparse.Namespace
library/collections.abc.html    py:class      collections.abc.Callable collections.abc.Collection
library/collections.abc.html    py:class      collections.abc.Container collections.abc.Generator
library/collections.abc.html    py:class      collections.abc.Hashable collections.abc.Iterable
library/collections.abc.html    py:class      collections.abc.Iterator collections.abc.Mapping
library/collections.abc.html    py:class      collections.abc.MutableMapping collections.abc.Sequence
library/collections.abc.html    py:class      collections.abc.Set collections.abc.Sized
library/concurrent.futures.html py:class      concurrent.futures.Executor concurrent.futures.Future
library/concurrent.futures.html py:class      concurrent.futures.ProcessPoolExecutor
library/concurrent.futures.html py:class      concurrent.futures.ThreadPoolExecutor
library/concurrent.futures.html py:class      concurrent.futures._base.Executor=concurrent.futures.Executor
library/concurrent.futures.html py:class      concurrent.futures._base.Future=concurrent.futures.Future
library/concurrent.futures.html py:exception  concurrent.futures.process.BrokenProcessPool
library/contextlib.html         py:class      contextlib.AbstractContextManager contextlib.nullcontext
library/contextlib.html         py:function   contextlib.contextmanager
library/dataclasses.html        py:function   dataclasses.dataclass dataclasses.field
library/difflib.html            py:function   difflib.get_close_matches
library/enum.html               py:class      enum.Enum
library/functools.html          py:function   functools.partial
library/importlib.metadata.html py:function   importlib.metadata.entry_points
library/numbers.html            py:class      numbers.Integral numbers.Number numbers.Real
library/os.html                 py:class      os.PathLike
library/os.html                 py:data       os.environ
library/pathlib.html            py:class      pathlib.Path pathlib.PurePath
library/pickle.html             py:module     pickle=module-pickle
library/sqlite3.html            py:module     sqlite3=module-sqlite3
library/sqlite3.html            py:function   sqlite3.connect
library/sqlite3.html            py:class      sqlite3.Connection
library/threading.html          py:class      threading.local
library/types.html              py:class      types.ModuleType types.SimpleNamespace types.TracebackType
library/typing.html             py:data       typing.Any typing.ClassVar typing.Final typing.Literal
library/typing.html             py:data       typing.Optional typing.Self typing.TYPE_CHECKING typing.Union
library/typing.html             py:class      typing.NamedTuple typing.Protocol typing.TypeVar
library/typing.html             py:function   typing.cast typing.overload
"""

#: NumPy, https://numpy.org/doc/stable/
NUMPY = """
reference/generated/{name}.html  py:class     numpy.ndarray numpy.dtype numpy.ufunc
reference/generated/{name}.html  py:method    numpy.ndarray.astype
reference/generated/{name}.html  py:function  numpy.absolute numpy.allclose numpy.array numpy.asarray
reference/generated/{name}.html  py:function  numpy.broadcast_to numpy.clip numpy.concatenate numpy.einsum
reference/generated/{name}.html  py:function  numpy.exp numpy.load numpy.log numpy.matmul numpy.maximum
reference/generated/{name}.html  py:function  numpy.mean numpy.minimum numpy.reshape numpy.save numpy.savez
reference/generated/{name}.html  py:function  numpy.savez_compressed numpy.stack numpy.sum numpy.tanh
reference/generated/{name}.html  py:function  numpy.transpose numpy.where numpy.zeros
reference/generated/{name}.html  py:function  numpy.testing.assert_allclose
reference/generated/numpy.absolute.html  py:function  numpy.abs=numpy.absolute
reference/arrays.scalars.html    py:class     numpy.float16 numpy.float32 numpy.float64 numpy.floating
reference/arrays.scalars.html    py:class     numpy.generic numpy.int32 numpy.int64 numpy.integer
reference/arrays.scalars.html    py:class     numpy.number
reference/random/generator.html  py:class     numpy.random.Generator
reference/random/generator.html  py:function  numpy.random.default_rng
reference/random/generator.html  py:class     numpy.random._generator.Generator=numpy.random.Generator
reference/random/generated/{name}.html  py:method  numpy.random.Generator.choice
reference/random/generated/{name}.html  py:method  numpy.random.Generator.integers
reference/random/generated/{name}.html  py:method  numpy.random.Generator.normal
reference/random/generated/{name}.html  py:method  numpy.random.Generator.permutation
reference/random/generated/{name}.html  py:method  numpy.random.Generator.random
reference/random/generated/{name}.html  py:method  numpy.random.Generator.shuffle
reference/random/generated/{name}.html  py:method  numpy.random.Generator.standard_normal
reference/random/generated/{name}.html  py:method  numpy.random.Generator.uniform
reference/random/bit_generators/generated/{name}.html  py:class  numpy.random.SeedSequence
reference/typing.html            py:data      numpy.typing.ArrayLike numpy.typing.DTypeLike
reference/typing.html            py:data      numpy.typing.NDArray
"""

#: pluggy, https://pluggy.readthedocs.io/en/stable/
PLUGGY = """
api_reference.html  py:class      pluggy.HookCaller pluggy.HookimplMarker pluggy.HookspecMarker
api_reference.html  py:class      pluggy.PluginManager
api_reference.html  py:exception  pluggy.PluginValidationError
"""

#: matplotlib, https://matplotlib.org/stable/
MATPLOTLIB = """
api/_as_gen/{name}.html  py:class  matplotlib.axes.Axes matplotlib.figure.Figure
"""

#: Dask's distributed scheduler, https://distributed.dask.org/en/stable/
DISTRIBUTED = """
api.html  py:class  distributed.Client distributed.LocalCluster
"""

#: ``file name -> (project, version, table)``
INVENTORIES = {
    "python.inv": ("Python", "3", PYTHON),
    "numpy.inv": ("NumPy", "stable", NUMPY),
    "pluggy.inv": ("pluggy", "stable", PLUGGY),
    "matplotlib.inv": ("Matplotlib", "stable", MATPLOTLIB),
    "distributed.inv": ("distributed", "stable", DISTRIBUTED),
}


def inventory_lines(table: str) -> list[str]:
    """The uncompressed object lines of one inventory, sorted and without duplicates."""
    lines = set()
    for row in table.strip().splitlines():
        page, role, *names = row.split()
        for item in names:
            name, _, anchor = item.partition("=")
            uri = page.replace("{name}", name)
            lines.add(f"{name} {role} 1 {uri}#{anchor or '$'} -")
    return sorted(lines)


def inventory_bytes(project: str, version: str, table: str) -> bytes:
    """One inventory file's content in Sphinx's format version 2."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    body = "".join(line + "\n" for line in inventory_lines(table))
    return header.encode() + zlib.compress(body.encode(), 9)


def main() -> None:
    """Write every inventory next to this script (atomically)."""
    for filename, (project, version, table) in INVENTORIES.items():
        path = HERE / filename
        tmp = path.with_name(filename + ".tmp")
        tmp.write_bytes(inventory_bytes(project, version, table))
        tmp.replace(path)
        print(f"wrote {filename} ({len(inventory_lines(table))} objects)")


if __name__ == "__main__":
    main()
