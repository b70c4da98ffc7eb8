"""Deployment settings come from SCHEDULINGKIT_* environment variables."""

from __future__ import annotations

import pytest
from schedulingkit.impl.settings import Settings


def test_defaults_when_nothing_is_set():
    settings = Settings.from_env({"HOME": "/home/ada"})
    assert (
        settings.database_url
        == "sqlite:////home/ada/.local/share/schedulingkit/schedulingkit.sqlite3"
    )
    assert settings.database_is_default is True
    assert settings.redis_url is None
    assert settings.rate_limit == "60/minute"
    assert settings.validate_responses is False


def test_every_variable_is_read():
    settings = Settings.from_env(
        {
            "SCHEDULINGKIT_DATABASE_URL": "postgresql+psycopg://u:p@db/sk",
            "SCHEDULINGKIT_REDIS_URL": "redis://cache:6379/2",
            "SCHEDULINGKIT_RATE_LIMIT": "1000/hour",
        }
    )
    assert settings.database_url == "postgresql+psycopg://u:p@db/sk"
    assert settings.database_is_default is False
    assert settings.redis_url == "redis://cache:6379/2"
    assert settings.rate_limit == "1000/hour"


def test_empty_values_mean_the_default():
    settings = Settings.from_env({"SCHEDULINGKIT_REDIS_URL": "", "SCHEDULINGKIT_RATE_LIMIT": ""})
    assert settings.redis_url is None
    assert settings.rate_limit == "60/minute"


def test_public_url_and_body_limit():
    settings = Settings.from_env(
        {
            "SCHEDULINGKIT_PUBLIC_URL": "https://api.example.com/scheduling/",
            "SCHEDULINGKIT_MAX_BODY_BYTES": "65536",
        }
    )
    assert settings.public_url == "https://api.example.com/scheduling"
    assert settings.max_body_bytes == 65536
    defaults = Settings.from_env({})
    assert defaults.public_url is None  # links from the address each request came in on
    assert defaults.max_body_bytes == 1024 * 1024


def test_database_pool_size():
    assert Settings.from_env({}).database_pool_size == 20
    pooled = Settings.from_env({"SCHEDULINGKIT_DATABASE_POOL_SIZE": "8"})
    assert pooled.database_pool_size == 8


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SCHEDULINGKIT_PUBLIC_URL", "api.example.com"),
        ("SCHEDULINGKIT_PUBLIC_URL", "ftp://api.example.com"),
        ("SCHEDULINGKIT_PUBLIC_URL", "https://api.example.com/?x=1"),
        ("SCHEDULINGKIT_MAX_BODY_BYTES", "0"),
        ("SCHEDULINGKIT_MAX_BODY_BYTES", "1MB"),
        ("SCHEDULINGKIT_DATABASE_POOL_SIZE", "0"),
        ("SCHEDULINGKIT_DATABASE_POOL_SIZE", "many"),
    ],
)
def test_unusable_values_name_their_variable(name, value):
    with pytest.raises(ValueError, match=name):
        Settings.from_env({name: value})


def test_the_default_database_follows_xdg_data_home_not_the_current_directory(tmp_path):
    env = {"HOME": "/home/ada", "XDG_DATA_HOME": str(tmp_path)}
    expected = f"sqlite:///{tmp_path}/schedulingkit/schedulingkit.sqlite3"
    assert Settings.from_env(env).database_url == expected
