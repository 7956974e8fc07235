"""Shared by the data tests: no KERAS_GANS data directory from the environment."""

import pytest

from keras_gans import data


@pytest.fixture(autouse=True)
def _no_env_data_dir(monkeypatch):
    monkeypatch.delenv(data.DATA_DIR_ENV, raising=False)
