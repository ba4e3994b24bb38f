"""IIS 7+: applicationHost.config (IIS, IIS Express) and appcmd XML."""
