"""papermill's parameters written as Lariat assignments.

Lariat (docs/language-reference.md, DESIGN.md "The language"): numbers are
Float64 and whole ones print without a decimal point, strings are in double
quotes with the escapes \\\\ \\" \\n \\t \\0 (Sources/LariatLanguage/Lexer.swift)
and cannot span lines, `true`/`false`, `none`, lists `[1, 2]`, `#` comments.
There is no record (dictionary) literal and no literal for infinity or NaN.
"""
from __future__ import annotations

import math
import numbers
import re
import unicodedata

from papermill.exceptions import PapermillException
from papermill.models import Parameter
from papermill.translators import Translator, papermill_translators

# Words the Lariat lexer reads as keywords (Sources/LariatLanguage/Token.swift).
KEYWORDS = frozenset({"true", "false", "none", "and", "or", "not"})

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\0": "\\0"}

# The largest Float64; an int past it would silently read as infinity.
_FLOAT_MAX = 2**1024 - 2**971


class LariatParameterError(PapermillException, ValueError):
    """A parameter that Lariat cannot take as papermill gives it."""


def _joins_previous(ch: str) -> bool:
    """Whether `ch` extends the character before it into one grapheme
    (Unicode's Extend, ZWJ and SpacingMark classes, near enough). The Lariat
    lexer reads Swift Characters, so a quote or an escape's backslash
    followed by such a mark is not a quote or backslash to it."""
    o = ord(ch)
    return (unicodedata.category(ch) in ("Mn", "Me", "Mc")
            or o in (0x200C, 0x200D)
            or 0x1F3FB <= o <= 0x1F3FF      # emoji skin-tone modifiers
            or 0xE0020 <= o <= 0xE007F)     # emoji tag characters


# Unicode's Prepend class: joins the character after it (here the closing quote).
_PREPEND = frozenset([*range(0x0600, 0x0606), 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2,
                      0x110BD, 0x110CD, 0x111C2, 0x111C3, 0x1193F, 0x11941, 0x11A3A,
                      *range(0x11A84, 0x11A8A), 0x11D46, 0x11F02])


class LariatTranslator(Translator):
    """papermill's Translator for the Lariat language."""

    @classmethod
    def translate(cls, val):
        # papermill's own order, plus tuples as lists and numbers of other
        # types (numpy's) as numbers rather than quoted text.
        if isinstance(val, tuple):
            return cls.translate_list(list(val))
        if not isinstance(val, (bool, int, float)) and isinstance(val, numbers.Real):
            return cls.translate_float(float(val)) if not isinstance(val, numbers.Integral) \
                else cls.translate_int(int(val))
        return super().translate(val)

    @classmethod
    def translate_none(cls, val):
        return "none"

    @classmethod
    def translate_bool(cls, val):
        return "true" if val else "false"

    @classmethod
    def translate_int(cls, val):
        if abs(val) > _FLOAT_MAX:
            raise LariatParameterError(f"{val} is too large for a Lariat number (Float64)")
        return str(int(val))

    @classmethod
    def translate_float(cls, val):
        if math.isnan(val):
            return "(1e999 - 1e999)"  # Lariat has no NaN literal; inf - inf is NaN
        if math.isinf(val):
            return "1e999" if val > 0 else "-1e999"  # reads as infinity
        return repr(float(val))  # shortest round-trip form: 2.5, 1e-05, 1e+16

    @classmethod
    def translate_str(cls, val):
        return cls.translate_escaped_str(val)

    @classmethod
    def translate_escaped_str(cls, str_val):
        text = str_val if isinstance(str_val, str) else str(str_val)
        out = []
        after_syntax = True  # the opening quote
        for ch in text:
            if after_syntax and _joins_previous(ch):
                raise LariatParameterError(
                    f"cannot write {text!r} as a Lariat string: {unicodedata.name(ch, hex(ord(ch)))} "
                    "would join the quote or escape before it (use the precomposed character)")
            esc = _ESCAPES.get(ch)
            out.append(esc or ch)
            after_syntax = esc is not None
        if text and ord(text[-1]) in _PREPEND:
            raise LariatParameterError(f"cannot write {text!r} as a Lariat string: it ends in a prepended mark")
        # A carriage return stays as it is (Lariat has no escape for it); it
        # is never next to a newline in the text, as newlines are escaped.
        return '"' + "".join(out) + '"'

    @classmethod
    def translate_list(cls, val):
        return "[" + ", ".join(cls.translate(v) for v in val) + "]"

    @classmethod
    def translate_dict(cls, val):
        raise LariatParameterError(
            "Lariat has no record (dictionary) literal: pass each field as a parameter of its own")

    @classmethod
    def comment(cls, cmt_str):
        return "\n".join(f"# {line}".rstrip() for line in str(cmt_str).splitlines() or [""])

    @classmethod
    def assign(cls, name, str_val):
        if not isinstance(name, str) or not name.isidentifier() or name in KEYWORDS:
            raise LariatParameterError(f"{name!r} is not a Lariat name (letters, digits and _, not a keyword)")
        return f"{name} = {str_val}"

    @classmethod
    def codify(cls, parameters, comment="Parameters"):
        content = cls.comment(comment) + "\n"
        for name, val in parameters.items():
            try:
                content += cls.assign(name, cls.translate(val)) + "\n"
            except LariatParameterError as e:
                raise LariatParameterError(f"parameter {name!r}: {e}") from None
        return content

    # -- papermill --help-notebook -------------------------------------

    _ASSIGNMENT = re.compile(r"^\s*([^\W\d]\w*)\s*=(?!=)\s*(.*)$")
    _NUMBER = re.compile(r"^-?(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?$")

    @classmethod
    def inspect(cls, parameters_cell):
        """One Parameter per one-line `name = value  # help` in the cell."""
        params = []
        for line in parameters_cell["source"].splitlines():
            m = cls._ASSIGNMENT.match(line)
            if not m or m.group(1) in KEYWORDS:
                continue
            value, help_text = _split_comment(m.group(2))
            params.append(Parameter(name=m.group(1), inferred_type_name=cls._type_of(value),
                                    default=value, help=help_text))
        return params

    @classmethod
    def _type_of(cls, value: str) -> str:
        if value in ("true", "false"):
            return "bool"
        if value == "none":
            return "NoneType"
        if cls._NUMBER.match(value):
            return "number"
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            return "string"
        if value.startswith("[") and value.endswith("]"):
            return "list"
        return "None"  # papermill's "unknown"


def _split_comment(text: str) -> tuple[str, str]:
    """The code before a `#` that is outside strings, and the comment after it."""
    quote = None
    i = 0
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#":
            return text[:i].strip(), text[i + 1:].strip()
        i += 1
    return text.strip(), ""


def register() -> None:
    """Make papermill use LariatTranslator for the kernel and language `lariat`."""
    papermill_translators.register("lariat", LariatTranslator)
