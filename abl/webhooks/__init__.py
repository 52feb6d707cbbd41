"""Webhooks (§16, docs/webhooks.md): the bank's and the borrower's systems told of events."""
