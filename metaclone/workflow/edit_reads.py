"""What a workflow can tell about its own edits without reading the document again.

Reading a site back after an edit reads the new text; on a large file that text is made
whole, and its index brought through the edit, for each edit read after.  A value an
earlier step returned is still true where the edits since cannot have changed it.
"""

from __future__ import annotations

from metaclone.document import ConfigDocument


def lines_moved(doc: ConfigDocument, since: int) -> bool:
    """Whether the lines of ``doc`` may have moved since the version ``since`` of its text: False
    only when one commit was made since, and each of its patches puts as many line ends in
    as it takes out (a site read before it is then on the line it was)."""
    xml = doc.xml
    if xml.version == since:
        return False
    state = xml.checkpoint()
    if xml.version != since + 1 or not state.pending:
        return True  # more than one commit, or the text after it already made: not told
    return any(
        patch.new.count("\n") != state.base.count("\n", patch.start, patch.end)
        for patch in state.pending
    )
