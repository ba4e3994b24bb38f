"""The site model: value types and the IIS rules both formats share."""
