"""Reference solution for python-foundations/robust-parsing."""


class ConfigError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message, line)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"line {self.line}: {self.message}"


def parse_value(text: str) -> bool | int | float | str:
    text = text.strip()
    if not text:
        raise ConfigError("empty value")
    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        return text[1:-1]
    if text.startswith('"') or text.endswith('"'):
        raise ConfigError(f"unclosed quote in {text!r}")
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def parse_config(text: str, required=()) -> dict:
    if not isinstance(text, str):
        raise TypeError(f"the config must be a str, got {type(text).__name__}")
    config: dict = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            raise ConfigError("expected 'key = value'", number)
        key, _, value = line.partition("=")
        key = key.strip()
        if not key:
            raise ConfigError("missing key before '='", number)
        if any(ch.isspace() for ch in key):
            raise ConfigError(f"a key may not contain spaces: {key!r}", number)
        if key in config:
            raise ConfigError(f"duplicate key {key!r}", number)
        try:
            config[key] = parse_value(value)
        except ConfigError as error:
            raise ConfigError(error.message, number) from error
    missing = sorted(set(required) - set(config))
    if missing:
        raise ConfigError("missing required keys: " + ", ".join(missing))
    return config


class ConfigLoader:
    def __init__(self, required=()) -> None:
        self.required = tuple(required)
        self.config: dict = {}
        self.busy = False
        self.loads = 0
        self.failures = 0

    def load(self, text: str) -> dict:
        self.busy = True
        try:
            new = parse_config(text, self.required)
        except ConfigError:
            self.failures += 1
            raise
        else:
            self.config = new
            self.loads += 1
            return new
        finally:
            self.busy = False
