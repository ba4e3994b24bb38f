"""IIS 7+: applicationHost.config (IIS, IIS Express) and appcmd XML.

The document, :class:`~metaclone.iis7.applicationhost.AppHostDocument`, is built in layers,
each a module with one job: ``reading`` (the index, site lookup and the sites), ``bindings``,
``certificates`` and ``cloning``; ``applicationhost`` adds what the workflow and review read.
``appcmd`` says where appcmd XML differs, as data (:class:`~metaclone.iis7.appcmd.Dialect`).
Below them: ``index`` (where the sites and their references are), ``listing`` (every site in
one pass), ``site_parts`` (a site's bindings and applications), ``children``, ``defaults``,
``checks``, ``schema`` and ``style``.
"""
