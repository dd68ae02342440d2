"""The project database: schema migrations, reads and writes, commits with undo."""
