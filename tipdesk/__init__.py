"""tipdesk: offline desk for anti-trafficking tips, victims and signed batch exchange."""

__version__ = "0.1.0"
APP_NAME = "tipdesk"
