"""The one bridge between services and Qt: a long-lived QThread."""
