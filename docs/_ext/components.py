"""Sphinx extension: the component pages, generated from the live plugin registry.

``.. minigrad-components:: <family>`` writes, for every component registered in that
family, a summary table row and a section with its call signature (its options), its
formula (the registration's ``doc``, plus a ``.. math::`` line given in the directive's
content), its factory's docstring (with the runnable example every factory carries) and
where it comes from. A component registered tomorrow appears without touching the docs.

Options:

``:plugin:``
    only components of this plugin (default ``builtin``: the docs describe what ships
    with minigrad, not whatever else happens to be installed where they are built).
``:heading:``
    the underline character of the component sections (default ``~``).

Content: one line per component, ``name: LaTeX``, rendered as display math under its
heading. A line for a name that is not registered is an error, so the formulas cannot
outlive their components.

Example::

    .. minigrad-components:: schedules

       inverse_time: \\alpha = \\frac{\\alpha_0}{1 + \\text{decay\\_rate} \\cdot \\text{epoch}}
"""

from __future__ import annotations

import inspect
import re
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.ext.napoleon import Config as NapoleonConfig
from sphinx.ext.napoleon.docstring import GoogleDocstring
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

#: How the docs build each family's components by name.
FACTORY = {
    "layers": "mg.layer",
    "initializers": "mg.initializer",
    "losses": "mg.loss",
    "regularizers": "mg.regularizer",
    "optimizers": "mg.optimizer",
    "schedules": "mg.schedule",
    "callbacks": "mg.callback",
    "datasets": "mg.dataset",
    "augmentations": "mg.augmentation",
}

# Args become :param: fields and Attributes become :ivar: fields of the object
# description, so a factory's docstring adds no objects of its own to the index.
_NAPOLEON = NapoleonConfig(
    napoleon_google_docstring=True,
    napoleon_numpy_docstring=False,
    napoleon_use_ivar=True,
    napoleon_use_param=True,
    napoleon_use_rtype=False,
    napoleon_preprocess_types=False,
)

_ROLE = re.compile(r":(class|func|meth|attr|exc|data|mod|obj):`([^`]+)`")


def signature(name: str, factory: Any) -> str:
    """``name(options)`` with defaults but no annotations: what a user passes."""
    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError):
        return f"{name}(...)"
    params = [p.replace(annotation=inspect.Parameter.empty) for p in sig.parameters.values()]
    plain = sig.replace(parameters=params, return_annotation=inspect.Signature.empty)
    return f"{name}{plain}"


def _public(target: str) -> str | None:
    """``target`` as a name the API reference documents, or None."""
    import minigrad

    bare = target.lstrip("~")
    if bare.startswith("minigrad."):
        return target
    head = bare.split(".")[0]
    if head in getattr(minigrad, "__all__", ()):
        return f"~minigrad.{bare}"
    return None


def _roles(line: str) -> str:
    """Keep references to documented names; a plugin module's private helpers
    (``CosineRestarts.restarts``) have no page, so they become literals."""

    def fix(match: re.Match) -> str:
        role, text = match.groups()
        label = re.match(r"^(.*?)\s*<(.+)>$", text)
        target = label.group(2) if label else text
        public = _public(target)
        if public is None:
            shown = label.group(1) if label else target.lstrip("~")
            return f"``{shown}``"
        return f":{role}:`{label.group(1)} <{public.lstrip('~')}>`" if label else f":{role}:`{public}`"

    return _ROLE.sub(fix, line)


_FIELD = re.compile(r"^(\s*):(param|ivar|var|cvar)\s+([^:]+):")
_COMMA = re.compile(r",\s+")
_LITERAL = re.compile(r"(``.+?``|`[^`]+`)")


def _field(line: str) -> str:
    """``:param lr, beta1: text`` names two fields; Sphinx would read ``lr,`` as a type."""

    def join(m: re.Match) -> str:
        return f"{m.group(1)}:{m.group(2)} {_COMMA.sub(',', m.group(3))}:"

    return _FIELD.sub(join, line)


def _bars(line: str) -> str:
    """Docstrings write |g| for a magnitude; in reST prose that is a substitution."""
    parts = _LITERAL.split(line)
    return "".join(p if i % 2 else p.replace("|", "\\|") for i, p in enumerate(parts))


def _prose(lines: list[str]) -> list[str]:
    """Apply the prose fixes outside literal blocks (after ``::``) and doctest blocks."""
    out: list[str] = []
    block_indent: int | None = None  # indentation of the line that opened a literal block
    doctest = False
    for line in lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if block_indent is not None and stripped and indent <= block_indent:
            block_indent = None
        if not stripped:
            doctest = False
        elif stripped.startswith(">>>"):
            doctest = True
        literal = block_indent is not None or doctest
        out.append(line if literal else _roles(_bars(_field(line))))
        if not literal and stripped.endswith("::"):
            block_indent = indent
    return out


def docstring_lines(factory: Any) -> list[str]:
    """The factory's docstring as reST (Google sections converted by napoleon)."""
    doc = inspect.getdoc(factory) or ""
    if not doc:
        return []
    what = "class" if inspect.isclass(factory) else "function"
    return _prose(GoogleDocstring(doc, _NAPOLEON, what=what, obj=factory).lines())


def _math(directive: SphinxDirective, family: str, names: set[str]) -> dict[str, str]:
    formulas: dict[str, str] = {}
    for line in directive.content:
        if not line.strip():
            continue
        name, colon, latex = line.partition(":")
        name = name.strip()
        if not colon or not latex.strip():
            raise directive.error(f"minigrad-components: expected 'name: LaTeX', got {line!r}")
        if name not in names:
            raise directive.error(
                f"minigrad-components: no {family} component {name!r} is registered "
                f"(registered: {', '.join(sorted(names))}); remove or rename its formula"
            )
        formulas[name] = latex.strip()
    return formulas


def _literal(text: str) -> str:
    """Inline literal that survives backticks and leading/trailing spaces."""
    text = " ".join(text.split()).replace("`", "'")
    return f"``{text}``" if text else ""


def _origin(component: Any) -> str:
    factory = component.factory
    where = f"{getattr(factory, '__module__', '?')}.{getattr(factory, '__qualname__', '?')}"
    notes = [f"plugin ``{component.plugin}``", f"factory ``{where}``"]
    flags = {k: v for k, v in component.metadata.items() if isinstance(v, bool | int | float | str)}
    notes += [f"``{k}={v!r}``" for k, v in sorted(flags.items())]
    if component.example is not None:
        notes.append("registers a conformance ``example``")
    return "Registered by " + ", ".join(notes) + "."


def label(family: str, name: str) -> str:
    """The reference label of a component's section: ``component-<family>-<name>``."""
    return f"component-{family}-{name}".replace("_", "-")


def component_rst(family: str, component: Any, formula: str | None, heading: str) -> list[str]:
    name = component.name
    title = f"``{name}``"
    lines = [f".. _{label(family, name)}:", "", title, heading * len(title), ""]
    lines += [f".. py:function:: {signature(name, component.factory)}", "   :no-index:", ""]
    body: list[str] = []
    if component.doc:
        body += [f"**Formula:** {_literal(component.doc)}", ""]
    if formula:
        body += [".. math::", "", f"   {formula}", ""]
    body += [*docstring_lines(component.factory), ""]
    call = FACTORY.get(family, "mg.component")
    body += [f'Build it with ``{call}("{name}", ...)``. {_origin(component)}', ""]
    lines += [f"   {line}" if line.strip() else "" for line in body]
    return lines


def table_rst(family: str, components: list[Any]) -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 20 50 30", ""]
    lines += ["   * - name", "     - formula", "     - options"]
    for c in components:
        options = signature(c.name, c.factory)[len(c.name) :]
        lines += [
            f"   * - :ref:`{c.name} <{label(family, c.name)}>`",
            f"     - {_literal(c.doc) or '—'}",
            f"     - {_literal(options)}",
        ]
    return [*lines, ""]


class ComponentsDirective(SphinxDirective):
    """``.. minigrad-components:: family``: the table and a section per component."""

    required_arguments = 1
    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {
        "plugin": directives.unchanged,
        "heading": directives.single_char_or_unicode,
    }

    def run(self) -> list[nodes.Node]:
        import minigrad as mg

        family = self.arguments[0]
        plugin = self.options.get("plugin", "builtin")
        heading = self.options.get("heading", "~")
        try:
            registered = mg.components(family)
        except mg.MinigradError as err:
            raise self.error(f"minigrad-components: {err}") from err
        chosen = [c for c in registered if c.plugin == plugin]
        if not chosen:
            raise self.error(f"minigrad-components: plugin {plugin!r} registers no {family}")
        formulas = _math(self, family, {c.name for c in chosen})
        lines = table_rst(family, chosen)
        for component in chosen:
            lines += component_rst(family, component, formulas.get(component.name), heading)
        source = self.get_source_info()[0]
        container = nodes.Element()
        content = StringList()
        for i, line in enumerate(lines):
            content.append(line, f"{source} (minigrad-components {family})", i)
        nested_parse_with_titles(self.state, content, container)
        self.env.note_dependency(__file__)
        for component in chosen:  # an edited plugin module rebuilds the page
            try:
                path = inspect.getsourcefile(component.factory)
            except TypeError:
                path = None
            if path:
                self.env.note_dependency(path)
        return container.children


def setup(app: Sphinx) -> dict[str, Any]:
    try:
        import minigrad  # noqa: F401
    except ImportError as err:  # pragma: no cover - the docs need minigrad installed
        raise ExtensionError(f"the components extension needs minigrad importable: {err}") from err
    app.add_directive("minigrad-components", ComponentsDirective)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
