"""The lossless XML layer: bytes in, bytes out.

A document keeps its exact text; tags, attributes and elements are found by a scanner that works
on that text, and edits are patches applied to it.  Nothing here knows about IIS.
"""

from metaclone.lossless.document import Editor, Memo, XmlDocument
from metaclone.lossless.patches import Patch
from metaclone.lossless.tokens import Attribute, Element, Tag, TagKind
from metaclone.lossless.values import decode_attribute_value, encode_attribute_value

__all__ = [
    "Attribute",
    "Editor",
    "Element",
    "Memo",
    "Patch",
    "Tag",
    "TagKind",
    "XmlDocument",
    "decode_attribute_value",
    "encode_attribute_value",
]
