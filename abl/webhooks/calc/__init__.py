"""Pure rules of webhooks: no Django import (tests/test_calc_is_pure.py)."""
