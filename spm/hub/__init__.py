"""Cross-pillar composition: code that writes or orchestrates more than one pillar.

The top layer of the import-linter stack (above `analytics`): member administration (users ↔
sellers), the scenario loader, the demo generator and setup, import orchestration that feeds
several pillars, and planning features that need data of a higher pillar (e.g. quota planning
blended with Pay's attainment). Nothing below imports it. See docs/architecture.md.
"""
