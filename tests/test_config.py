"""Configuration precedence of `provgraph serve`: arguments > config file > PROVGRAPH_ variables > defaults."""

from __future__ import annotations

import pytest

from provgraph.config import SETTINGS, ConfigError, ServiceConfig, load_config

from .conftest import REPO


def test_arguments_override_the_file_which_overrides_the_environment(tmp_path):
    config_file = tmp_path / "provgraph.toml"
    config_file.write_text('[serve]\nport = 9100\nquery_timeout = 5\nrow_limit = 10\n')
    environ = {"PROVGRAPH_PORT": "9200", "PROVGRAPH_QUERY_TIMEOUT": "7", "PROVGRAPH_THREADS": "3",
               "PROVGRAPH_API_TOKENS": "a, b", "PROVGRAPH_ALLOW_SERVICE": "yes"}
    config = load_config({"port": 9000, "row_limit": None}, config_file=config_file, environ=environ)
    assert (config.port, config.query_timeout, config.row_limit, config.threads) == (9000, 5.0, 10, 3)
    assert config.api_tokens == ("a", "b") and config.allow_service is True
    assert config.host == ServiceConfig().host
    assert config.sources["port"] == "argument" and config.sources["threads"] == "environment PROVGRAPH_THREADS"


def test_config_file_named_by_the_environment_and_tokens_from_a_file(tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text("one\n# a comment\ntwo  # trailing\n\n")
    config_file = tmp_path / "c.toml"
    config_file.write_text(f'token_file = "{tokens}"\n')
    config = load_config({}, environ={"PROVGRAPH_CONFIG": str(config_file), "PROVGRAPH_API_TOKENS": "three"})
    assert config.tokens() == {"one", "two", "three"}


@pytest.mark.parametrize("environ, file_text, message", [
    ({"PROVGRAPH_PORT": "eighty"}, None, "setting 'port' from environment PROVGRAPH_PORT: expected int"),
    ({"PROVGRAPH_ALLOW_SERVICE": "maybe"}, None, "expected bool"),
    ({}, "colour = 'red'\n", "unknown setting(s) colour"),
    ({}, "port = \n", "is not valid TOML"),
])
def test_bad_settings_are_named(tmp_path, environ, file_text, message):
    config_file = None
    if file_text is not None:
        config_file = tmp_path / "bad.toml"
        config_file.write_text(file_text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config({}, config_file=config_file, environ=environ)


def test_every_setting_is_documented_in_the_readme():
    readme = (REPO / "README.md").read_text()
    for setting in SETTINGS:
        assert f"`{setting.env}`" in readme, setting.env
