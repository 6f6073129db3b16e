"""A tagged PDF read back with pypdf, as a screen reader meets it: the catalog's language, marks
and viewer preferences, the XMP metadata, and the structure tree in reading order, each element
with the text of the marked content it holds (MCIDs mapped to the text drawn between their
BDC and EMC)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject


@dataclass
class Element:
    tag: str  # "H1", "P", "Table", "TH", "L", "LI", "Lbl", "LBody", "Figure", …
    text: str  # every text it holds, in reading order, spaces collapsed
    attributes: dict
    children: list[Element] = field(default_factory=list)
    alt: str | None = None
    id: str | None = None

    def walk(self):
        """This element and every one under it, in reading order."""
        yield self
        for child in self.children:
            yield from child.walk()

    def all(self, *tags: str) -> list[Element]:
        return [one for one in self.walk() if one.tag in tags]


@dataclass
class TaggedPdf:
    reader: PdfReader
    document: Element  # the structure tree's /Document
    untagged: list[str]  # text drawn outside any marked content

    @property
    def catalog(self) -> DictionaryObject:
        return self.reader.trailer["/Root"]

    @property
    def xmp(self) -> str:
        return self.catalog["/Metadata"].get_object().get_data().decode()

    def outline(self, *tags: str) -> list[tuple[str, str]]:
        """(tag, text) of the elements of these tags, in reading order."""
        return [(one.tag, one.text) for one in self.document.all(*tags)]


def read(data: bytes) -> TaggedPdf:
    reader = PdfReader(io.BytesIO(data))
    texts: dict[tuple[int, int], list[str]] = {}
    untagged: list[str] = []
    for number, page in enumerate(reader.pages):
        _marked_texts(page, number, texts, untagged)
    pages = {page.indirect_reference.idnum: number for number, page in enumerate(reader.pages)}
    root = reader.trailer["/Root"]["/StructTreeRoot"].get_object()
    (document,) = [_element(kid, None, pages, texts) for kid in _kids(root)]
    return TaggedPdf(reader, document, untagged)


def _marked_texts(page, number: int, texts: dict, untagged: list) -> None:
    """The text drawn in each marked-content sequence of the page, by (page, MCID)."""
    open_ids: list[int | None] = []

    def before(operator, operands, cm, tm):
        if operator == b"BDC":
            properties = operands[1]
            open_ids.append(properties.get("/MCID") if hasattr(properties, "get") else None)
        elif operator == b"BMC":
            open_ids.append(None)
        elif operator == b"EMC":
            open_ids.pop()

    def text(drawn, cm, tm, font, size):
        if not drawn.strip():
            return
        mcid = next((one for one in reversed(open_ids) if one is not None), None)
        if mcid is None:
            untagged.append(drawn)
        else:
            texts.setdefault((number, mcid), []).append(drawn)

    page.extract_text(visitor_operand_before=before, visitor_text=text)


def _kids(node) -> list:
    kids = node.get("/K")
    if kids is None:
        return []
    kids = kids.get_object() if isinstance(kids, IndirectObject) else kids
    return list(kids) if isinstance(kids, list) else [kids]


def _element(node, page: int | None, pages: dict, texts: dict) -> Element:
    node = node.get_object()
    if "/Pg" in node:
        page = pages[node.raw_get("/Pg").idnum]
    children, parts = [], []
    for kid in _kids(node):
        if isinstance(kid, int):  # a marked-content id on the element's page
            parts += texts.get((page, int(kid)), [])
            continue
        kid = kid.get_object()
        if kid.get("/Type") == "/MCR":
            kid_page = pages[kid.raw_get("/Pg").idnum] if "/Pg" in kid else page
            parts += texts.get((kid_page, int(kid["/MCID"])), [])
        elif kid.get("/Type") == "/OBJR":
            continue
        else:
            child = _element(kid, page, pages, texts)
            children.append(child)
            parts.append(child.text)
    attributes = node.get("/A")
    return Element(
        tag=str(node["/S"])[1:],
        text=" ".join(" ".join(parts).split()),
        attributes=dict(attributes.get_object()) if attributes is not None else {},
        children=children,
        alt=str(node["/Alt"]) if "/Alt" in node else None,
        id=str(node["/ID"]) if "/ID" in node else None,
    )
