"""The API (§16; docs/api.md): /api/v1/ over the same services, access rules and audit as the pages."""
