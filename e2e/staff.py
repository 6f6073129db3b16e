"""School staff for the end-to-end tests, made with the command a school uses."""

CONCORDE = "0691234A"


def create_staff(
    server, identifiant: str, password: str, role: str = "secretariat", uai: str = CONCORDE
) -> None:
    """`flask --app app staff create … --password-stdin` against the server's database."""
    options = ["--uai", uai, "--role", role, "--password-stdin"]
    server.flask("staff", "create", identifiant, *options, input=password + "\n")
