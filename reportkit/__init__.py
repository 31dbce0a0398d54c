"""reportkit: reporting-campaign paperwork (templates, validation, roll-up, calendars, reports)."""

__version__ = "0.1.0"
