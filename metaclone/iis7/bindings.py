"""Replacing the bindings of an IIS 7+ site, in the file's own style."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from metaclone.document import SiteKey
from metaclone.errors import BindingError
from metaclone.iis7.children import elements_named
from metaclone.iis7.index import (
    SiteElement,
)
from metaclone.iis7.reading import SiteReading
from metaclone.lossless import Editor, Element
from metaclone.model.bindings import unique_bindings
from metaclone.model.sites import (
    ADDRESS_PROTOCOLS,
    Binding,
    Site,
)
from metaclone.model.validation import (
    require_binding,
)


class SiteBindings(SiteReading):
    """``set_bindings`` and the helpers that write ``<binding>`` elements."""

    def _only_bindings(self, entry: SiteElement) -> Element | None:
        """The site's ``<bindings>``; BindingError when it has more than one: which list IIS
        would read is not defined, and replacing one would leave the other's bindings (an
        https one, say) in place."""
        xml = self.xml
        containers = [c for c in xml.children(entry.element) if c.name == "bindings"]
        if len(containers) > 1:
            raise xml.located(
                BindingError,
                containers[1].start,
                f"site {entry.id} holds <bindings> more than once (first at line "
                f"{xml.line_of(containers[0].start)}); IIS does not accept a repeated element, "
                "so which bindings it would use is not defined: merge them into one <bindings> "
                "and run again",
            )
        return containers[0] if containers else None

    def set_bindings(self, site: SiteKey, bindings: Iterable[Binding | str]) -> Site:
        """Replace a site's bindings.

        Existing ``<binding>`` elements are edited in place, extra ones removed, new ones added
        in the file's style; ``<clear />`` and comments stay.  A binding given without
        ``ssl_flags`` keeps the sslFlags of the existing binding with the same protocol and
        information, so bits this call was not asked to change (HTTP/2, QUIC, TLS 1.3, ...)
        are never lost.  No certificate is written: it belongs in HTTP.sys.
        """
        entry = self._editable(self._entry(site))
        wanted = self._validate_bindings(bindings)
        xml = self.xml
        container = self._only_bindings(entry)
        old = list(elements_named(xml, container, "binding")) if container is not None else []
        old_flags: dict[tuple[str, str], str] = {}
        for element in old:
            key = (
                (xml.get(element, "protocol") or "").strip().lower(),
                (xml.get(element, "bindingInformation") or "").lower(),
            )
            flags = xml.attribute(element, "sslFlags")
            if flags is not None:
                old_flags.setdefault(key, flags.value)
        resolved: list[tuple[Binding, str | None]] = []
        for binding in wanted:
            key = (binding.protocol.lower(), binding.binding_information.lower())
            if binding.ssl_flags is not None:
                resolved.append((binding, str(binding.ssl_flags)))
            else:
                resolved.append((binding, old_flags.get(key)))
        editor = xml.edit()
        for element, (binding, written_flags) in zip(old, resolved, strict=False):
            editor.set_attribute(element, "protocol", binding.protocol)
            editor.set_attribute(element, "bindingInformation", binding.binding_information)
            if written_flags is None:
                editor.remove_attribute(element, "sslFlags")
            else:
                editor.set_attribute(element, "sslFlags", written_flags)
        for element in old[len(resolved) :]:
            editor.remove_element(element)
        extra = resolved[len(old) :]
        if extra:
            self._add_bindings(editor, entry, container, old, extra)
        wrapped = self.dialect.wrapper_attributes
        if (
            entry.wrapper is not None
            and wrapped is not None
            and xml.attribute(entry.wrapper, wrapped.bindings) is not None
        ):
            editor.set_attribute(
                entry.wrapper, wrapped.bindings, ",".join(b.summary for b in wanted)
            )
        editor.commit()
        return self.site(entry.id)

    def _validate_bindings(self, bindings: Iterable[Binding | str]) -> list[Binding]:
        if isinstance(bindings, str | Binding):
            bindings = [bindings]
        return unique_bindings((self._checked(item) for item in bindings), path=self.path)

    def _checked(self, item: Binding | str) -> Binding:
        """``item`` as a binding this file's IIS version accepts."""
        binding = Binding.parse(item) if isinstance(item, str) else item
        if binding.protocol.lower() in ADDRESS_PROTOCOLS:
            # Re-split: a Binding built by hand may carry stale ip/port/host fields.
            binding = Binding.from_information(
                binding.protocol, binding.binding_information, binding.ssl_flags
            )
        require_binding(binding, self.ssl_flag_bits, path=self.path)
        return binding

    def _add_bindings(
        self,
        editor: Editor,
        entry: SiteElement,
        container: Element | None,
        old: Sequence[Element],
        extra: Sequence[tuple[Binding, str | None]],
    ) -> None:
        # How markup is written is imported by the edits that write some: a listing does not.
        from metaclone.iis7.style import (  # noqa: PLC0415
            append_child,
            child_indentation,
            style_of,
        )

        xml = self.xml
        sample = old[-1] if old else self._any_binding()
        style = style_of(xml, sample, container or entry.element)
        texts = [
            style.empty_element(
                "binding",
                [("protocol", b.protocol), ("bindingInformation", b.binding_information)]
                + ([("sslFlags", flags)] if flags is not None else []),
            )
            for b, flags in extra
        ]
        if old:
            newline = xml.newline_near(old[-1].start)
            indent = xml.indentation_before(old[-1].start)
            editor.insert_after(old[-1], (newline + indent).join(texts))
            return
        if container is not None:
            newline = xml.newline_near(container.start)
            indent = child_indentation(xml, container, style.indent_unit)
            append_child(editor, container, (newline + indent).join(texts), indent, newline)
            return
        newline = xml.newline_near(entry.element.start)
        site_child = child_indentation(xml, entry.element, style.indent_unit)
        inner = site_child + style.indent_unit
        markup = (
            f"<bindings>{newline}{inner}"
            + (newline + inner).join(texts)
            + f"{newline}{site_child}</bindings>"
        )
        append_child(editor, entry.element, markup, site_child, newline)

    def _any_binding(self) -> Element | None:
        for entry in self._index().sites:
            container = self.xml.child(entry.element, "bindings")
            if container is not None:
                found = next(iter(elements_named(self.xml, container, "binding")), None)
                if found is not None:
                    return found
        return None
