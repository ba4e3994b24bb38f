"""IIS 6: MetaBase.xml and iiscnfg export files."""
