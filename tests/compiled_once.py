"""What every test's app compiles the same way, compiled once per process instead of once
per app (every test makes its own app, >1300 of them in a run):

- URL rules: for each of its ~970 rules an app parses the converters' arguments and
  writes and compiles two Python functions, its URL builders (an AST walked and
  compiled: most of an app's creation, about a third of a second). What comes out
  depends only on the rule's text, parts and defaults, so each is made once and bound to
  each app's rule as werkzeug would.
- Templates: each app's Jinja environment parses and compiles every template it renders
  (some 0.1 s for a big page). A shared bytecode cache, keyed by the template, the
  checksum of its source and the environment's compile-time settings, compiles each once.

Only the tests do this (tests/conftest.py); a server makes its app once. If werkzeug
changes these functions, the patch steps aside and the tests are merely slower."""
from __future__ import annotations

import functools
import hashlib
import inspect

from jinja2.bccache import Bucket, BytecodeCache
from werkzeug.routing import rules

_builders: dict[tuple, object] = {}


def _builder_key(rule: rules.Rule, append_unknown: bool) -> tuple | None:
    defaults = rule.defaults or {}
    if defaults and any(is_dynamic and data in defaults for is_dynamic, data in rule._trace):
        return None  # the builder then holds a converted default value: not shared
    return rule.rule, tuple(rule._trace), tuple(defaults), append_unknown


def _share_builders() -> None:
    original = rules.Rule._compile_builder
    if getattr(original, "_shared", False) or list(inspect.signature(original).parameters) != ["self", "append_unknown"]:
        return

    def _compile_builder(self, append_unknown=True):
        key = _builder_key(self, append_unknown)
        if key is None:
            return original(self, append_unknown)
        if key not in _builders:
            _builders[key] = original(self, append_unknown)
        return _builders[key]

    _compile_builder._shared = True
    rules.Rule._compile_builder = _compile_builder


def _share_converter_args() -> None:
    original = rules.parse_converter_args
    if getattr(original, "_shared", False) or list(inspect.signature(original).parameters) != ["argstr"]:
        return
    parsed = functools.lru_cache(maxsize=None)(original)

    def parse_converter_args(argstr):
        args, kwargs = parsed(argstr)
        return args, dict(kwargs)  # a dict of its own, as each call made one

    parse_converter_args._shared = True
    rules.parse_converter_args = parse_converter_args


class SharedTemplateCode(BytecodeCache):
    """Compiled templates in memory, for every app of the process."""

    def __init__(self):
        self._code: dict[str, bytes] = {}

    def get_bucket(self, environment, name, filename, source):
        bucket = Bucket(environment, self.get_cache_key(name, filename) + _compile_settings(environment, name),
                        self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket):
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # dropped again if the source's checksum differs

    def dump_bytecode(self, bucket):
        self._code[bucket.key] = bucket.bytecode_to_string()


def _compile_settings(env, name) -> str:
    """What the code Jinja writes for a template depends on besides its source."""
    autoescape = env.autoescape(name) if callable(env.autoescape) else env.autoescape
    settings = (sorted(env.extensions), sorted(env.filters), sorted(env.tests), autoescape, env.finalize is None,
                env.block_start_string, env.block_end_string, env.variable_start_string, env.variable_end_string,
                env.comment_start_string, env.comment_end_string, env.line_statement_prefix,
                env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks, env.newline_sequence,
                env.keep_trailing_newline, env.optimized, env.is_async)
    return hashlib.sha1(repr(settings).encode()).hexdigest()


TEMPLATE_CODE = SharedTemplateCode()


def install() -> None:
    """The URL rules' parts, for every app made from now on (before the first app)."""
    _share_builders()
    _share_converter_args()


def share_templates(app) -> None:
    """The app's templates from the shared cache (before it renders one)."""
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
