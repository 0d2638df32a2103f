"""One module per `ksef-desktop` subcommand; each exposes `register(subparsers)`."""
