"""The worked examples in the pure modules' docstrings are run, so they stay true."""

import doctest
import importlib

import pytest

from tests.test_calc_is_pure import _modules

MODULES = _modules()


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)

    assert result.failed == 0


def test_the_pure_modules_carry_worked_examples():
    attempted = sum(doctest.testmod(importlib.import_module(n)).attempted for n in MODULES)

    assert attempted >= 10
