"""A small HTML checker for the tests, on the standard library's parser.

`parse_html` builds a tree of a page and lists what is wrong with it: elements left
open or closed out of order, and the few things every page must have. Tests then read
links, list items and text from the tree instead of matching the raw HTML.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

VOID_ELEMENTS = frozenset("area base br col embed hr img input link meta source track wbr".split())
# Attributes holding a space-separated list: a filter matches any one of the words.
_TOKEN_LIST_ATTRIBUTES = frozenset({"class", "rel"})


class Element:
    """One element of a page: its tag, attributes and children (elements and text)."""

    def __init__(self, tag: str, attrs: dict[str, str | None], line: int) -> None:
        self.tag = tag
        self.attrs = attrs
        self.line = line
        self.children: list[Element | str] = []

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs} (line {self.line})>"

    def get(self, name: str) -> str | None:
        """The attribute's value; None when it is missing (or a bare boolean attribute)."""
        return self.attrs.get(name)

    @property
    def text(self) -> str:
        """The text inside, entities decoded and whitespace collapsed as a browser shows it."""
        return " ".join("".join(self._strings()).split())

    def iter(self) -> Iterator[Element]:
        """Every element inside this one, in document order."""
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str, **attrs: str) -> list[Element]:
        """The elements inside with this tag and these attributes (`class_` for class)."""
        wanted = {name.rstrip("_"): value for name, value in attrs.items()}
        return [element for element in self.iter() if element._matches(tag, wanted)]

    def find(self, tag: str, **attrs: str) -> Element:
        """The one element inside that matches; AssertionError if there are none or several."""
        found = self.find_all(tag, **attrs)
        assert len(found) == 1, f"expected one <{tag}> with {attrs}, found {found}"
        return found[0]

    def _matches(self, tag: str, wanted: dict[str, str]) -> bool:
        if self.tag != tag:
            return False
        for name, value in wanted.items():
            actual = self.attrs.get(name)
            if actual is None:
                return False
            if name in _TOKEN_LIST_ATTRIBUTES:
                if value not in actual.split():
                    return False
            elif actual != value:
                return False
        return True

    def _strings(self) -> Iterator[str]:
        for child in self.children:
            if isinstance(child, str):
                yield child
            else:
                yield from child._strings()


class Document(Element):
    """A parsed page: the root of its tree, and the problems found while parsing it."""

    def __init__(self) -> None:
        super().__init__("#document", {}, 1)
        self.problems: list[str] = []


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.document = Document()
        self.open: list[Element] = [self.document]
        self.first: str | None = None  # the first thing in the page, past whitespace
        self.ids: set[str] = set()

    def problem(self, message: str) -> None:
        self.document.problems.append(f"line {self.getpos()[0]}: {message}")

    def seen(self, what: str) -> None:
        if self.first is None:
            self.first = what

    def handle_decl(self, decl: str) -> None:
        self.seen(f"<!{decl}>")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen(f"<{tag}>")
        element = Element(tag, dict(attrs), self.getpos()[0])
        if len(element.attrs) != len(attrs):
            self.problem(f"<{tag}> repeats an attribute: {attrs}")
        element_id = element.get("id")
        if element_id is not None:
            if element_id in self.ids:
                self.problem(f'<{tag}> repeats id="{element_id}"')
            self.ids.add(element_id)
        self.open[-1].children.append(element)
        if tag not in VOID_ELEMENTS:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            # HTML ignores the slash: the element stays open. Report it, then carry on
            # as if it were closed so one mistake is reported once.
            self.problem(f"<{tag}/> does not close <{tag}>: only void elements end in />")
            self.open.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_ELEMENTS:
            self.problem(f"</{tag}>: void elements have no end tag")
            return
        open_tags = [element.tag for element in self.open[1:]]
        if tag not in open_tags:
            self.problem(f"</{tag}> closes nothing: no <{tag}> is open")
            return
        while (element := self.open.pop()).tag != tag:
            self.problem(f"<{element.tag}> from line {element.line} is not closed before </{tag}>")

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.seen(repr(data.strip()[:20]))
        self.open[-1].children.append(data)

    def finish(self) -> Document:
        self.close()
        for element in self.open[1:]:
            self.problem(f"<{element.tag}> from line {element.line} is never closed")
        self.check_required_parts()
        return self.document

    def check_required_parts(self) -> None:
        document, problems = self.document, self.document.problems
        if self.first is None or self.first.lower() != "<!doctype html>":
            problems.append(f"the page starts with {self.first}, not <!doctype html>")
        roots = [child.tag for child in document.children if isinstance(child, Element)]
        if roots != ["html"]:
            problems.append(f"the page must be one <html> element, not {roots}")
        if not any(html.get("lang") for html in document.find_all("html")):
            problems.append("<html> has no lang attribute")
        titles = document.find_all("title")
        if len(titles) != 1:
            problems.append(f"the page has {len(titles)} <title> elements, not one")
        charsets = [(meta.get("charset") or "").lower() for meta in document.find_all("meta")]
        if "utf-8" not in charsets:
            problems.append('the page has no <meta charset="utf-8">')


def parse_html(html: str) -> Document:
    """The page as a tree; `.problems` lists what makes it malformed (empty when fine)."""
    builder = _TreeBuilder()
    builder.feed(html)
    return builder.finish()


def check_html(html: str) -> list[str]:
    """What makes the page malformed: an empty list when it is fine."""
    return parse_html(html).problems
