"""Exercise statements as HTML: Markdown rendered, then sanitised against an allow-list.

Statements come from exercise sources (this repository, other folders, other Git repositories) and from the
importers (notebooks written elsewhere), so their HTML is not trusted: Markdown passes raw HTML through, and a
link may be ``javascript:``. The rendered HTML goes through nh3 (Python bindings of the Rust sanitiser
ammonia; bleach, the usual choice before, has been deprecated since 2023), which parses it as a browser would
and keeps only the tags, attributes and URL schemes a statement needs.
"""

from __future__ import annotations

import re

import markdown
import nh3

# What the Markdown renderer (with fenced code and tables) makes, and the HTML an author may reasonably write.
TAGS = frozenset({
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "div", "span",
    "ul", "ol", "li", "dl", "dt", "dd",
    "strong", "b", "em", "i", "u", "s", "del", "ins", "mark", "small", "sub", "sup", "kbd", "samp", "var", "abbr",
    "code", "pre",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
    "a", "img",
})
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},  # language-python from fenced code, kept for highlighters
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    "abbr": {"title"},
}
# Anything else (javascript:, data:, vbscript:, file: ...) loses its attribute; relative URLs stay.
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_IMAGE_SCHEMES = ("http:", "https:")
_LANGUAGE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,40}")
_ALIGN = frozenset({"left", "right", "center"})


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """Narrower than the allow-list: an image loads from http(s) or a relative URL only (never mailto:);
    a code block's class is its language; alignment is one of three words."""
    if tag == "img" and attribute == "src":
        scheme = re.match(r"\s*([A-Za-z][A-Za-z0-9+.-]*):", value)
        return value if scheme is None or value.strip().lower().startswith(_IMAGE_SCHEMES) else None
    if tag == "code" and attribute == "class":
        return value if _LANGUAGE_CLASS.fullmatch(value) else None
    if attribute == "align":
        return value if value.lower() in _ALIGN else None
    return value


def sanitise(html: str) -> str:
    """HTML with only the allowed tags, attributes and URL schemes; script and style elements go with their
    content, other tags are dropped and their text kept (escaped)."""
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes=set(URL_SCHEMES),
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


def render_statement(text: str) -> str:
    """The statement's Markdown as safe HTML. Table alignment comes out as ``align`` (no style attributes)."""
    html = markdown.markdown(
        text,
        extensions=["fenced_code", "tables"],
        extension_configs={"tables": {"use_align_attribute": True}},
    )
    return sanitise(html)
