"""phi-lint: finds where Salesforce projects leak PHI and where Lightning pages fail WCAG 2.2 AA."""

__version__ = "0.1.0"
